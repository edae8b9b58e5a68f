<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<?cs # deliveries_retry_confirm.cs: what a bulk retry is about to queue
   again, before it happens (the form posts again with confirm=1). ?>
<h1><?cs var:Page.Title ?></h1>
<section class="card confirm">
<p><strong><?cs var:Page.Count ?></strong><?cs if:Page.CountMore ?> or more<?cs /if ?> <?cs var:Page.Bulk ?> <?cs if:Page.Count == 1 && !Page.CountMore ?>delivery matches<?cs else ?>deliveries match<?cs /if ?>:</p>
<ul>
<li>endpoint: <?cs if:Page.Filter.webhook_id ?><?cs each:ep = Page.Endpoints ?><?cs if:ep.id == Page.Filter.webhook_id ?><code><?cs var:ep.url ?></code> <?cs /if ?><?cs /each ?><span class="muted small"><?cs var:Page.Filter.webhook_id ?></span><?cs else ?>all endpoints<?cs /if ?></li>
<li>event type: <?cs if:Page.Filter.type ?><span class="tag"><?cs var:Page.Filter.type ?></span><?cs else ?>any<?cs /if ?></li>
<?cs if:Page.Filter.since ?><li>created since <?cs var:Page.Filter.since ?> UTC</li><?cs /if ?>
<?cs if:Page.Filter.until ?><li>created before <?cs var:Page.Filter.until ?> UTC</li><?cs /if ?>
</ul>
<?cs if:Page.Bulk == "succeeded" ?><p>Replaying them sends each one again: their receivers get them again, with the same <code>webhook-id</code> (receivers that deduplicate by it ignore them).</p>
<?cs elif:Page.Bulk == "pending" ?><p>They are sent on the runner's next pass instead of at their next attempt.</p>
<?cs else ?><p>They are sent again on the runner's next pass.<?cs if:!Page.Filter.status ?> Deliveries in other states are left as they are.<?cs /if ?></p><?cs /if ?>
<p class="muted small">Deliveries of a disabled endpoint wait (paused) until it is enabled.</p>
<div class="actions">
<?cs if:Page.Count > 0 ?>
<form method="post" action="<?cs var:Site.Base ?>/deliveries/retry">
<?cs call:csrf_field() ?>
<?cs call:delivery_filter_fields() ?>
<input type="hidden" name="confirm" value="1">
<button type="submit"<?cs if:Page.Bulk == "succeeded" ?> class="danger"<?cs /if ?>><?cs if:Page.Bulk == "succeeded" ?>Replay them<?cs elif:Page.Bulk == "pending" ?>Send them now<?cs else ?>Retry them<?cs /if ?></button>
</form>
<?cs /if ?>
<a class="button secondary" href="<?cs var:Site.Base ?>/deliveries?status=<?cs var:url_escape(Page.Filter.status) ?>&amp;webhook_id=<?cs var:url_escape(Page.Filter.webhook_id) ?>&amp;type=<?cs var:url_escape(Page.Filter.type) ?>&amp;since=<?cs var:url_escape(Page.Filter.since) ?>&amp;until=<?cs var:url_escape(Page.Filter.until) ?>"><?cs if:Page.Count > 0 ?>Cancel<?cs else ?>Back to the deliveries<?cs /if ?></a>
</div>
</section>
<?cs call:layout_bottom() ?>
