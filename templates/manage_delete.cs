<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Delete this webhook?</h1>
<section class="card confirm">
<p><code><?cs var:Page.Endpoint.url ?></code><?cs if:Page.Endpoint.description ?><br><?cs var:Page.Endpoint.description ?><?cs /if ?><br><span class="muted small"><?cs var:Page.Endpoint.id ?> · <?cs call:status_badge(Page.Endpoint.enabled) ?></span></p>
<p>Deleting it removes, for good:</p>
<ul>
<li>the endpoint, its signing secret and its delivery options</li>
<li>its subscriptions:<?cs if:subcount(Page.Endpoint.event_types) ?><?cs each:t = Page.Endpoint.event_types ?> <span class="tag"><?cs var:t ?></span><?cs /each ?><?cs else ?> <span class="muted">none</span><?cs /if ?></li>
<li>its delivery history and waiting deliveries (last delivery: <?cs call:time(Page.Endpoint.last_attempt_at) ?>)</li>
</ul>
<p class="muted small">Events stay in the log. To stop deliveries for a while instead, disable the endpoint.</p>
<div class="actions">
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Endpoint.id ?>/delete"><?cs call:csrf_field() ?><button type="submit" class="danger">Delete webhook</button></form>
<a class="button secondary" href="<?cs var:Site.Base ?>/manage/<?cs var:Page.Endpoint.id ?>">Cancel</a>
</div>
</section>
<?cs call:layout_bottom() ?>
