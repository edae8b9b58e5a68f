<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<div class="head"><h1>Webhooks</h1><?cs if:Session.CanWrite ?><a class="button" href="<?cs var:Site.Base ?>/manage/new">New webhook</a><?cs /if ?></div>
<?cs call:notice(Page.Done) ?>
<?cs call:stale_page() ?>
<?cs if:Page.FieldError.health ?><p class="error" role="alert" id="err-health">Unknown health filter: <?cs var:Page.FieldError.health ?>. <a href="<?cs var:Site.Base ?>/manage">Show all</a></p>
<?cs elif:Page.Filter.health && !Page.Stale ?><p class="notice" role="status">Showing only the <?cs if:Page.Filter.health == "failing" ?>enabled endpoints whose last delivery attempt failed<?cs else ?>disabled endpoints<?cs /if ?>. <a href="<?cs var:Site.Base ?>/manage">Show all</a></p><?cs /if ?>
<?cs if:Page.Stale || Page.FieldError.health ?>
<?cs elif:subcount(Page.Endpoints) == 0 && Page.Filter.health ?>
<section class="card empty"><p>None.</p></section>
<?cs elif:subcount(Page.Endpoints) == 0 ?>
<section class="card empty">
<p>No webhook endpoints yet.<?cs if:Session.CanWrite ?> <a href="<?cs var:Site.Base ?>/manage/new">Create the first one</a>.<?cs /if ?></p>
</section>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Webhook endpoints</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Event types</th><th scope="col">Last delivery</th><th scope="col">Success (7 d)</th></tr></thead>
<tbody>
<?cs each:ep = Page.Endpoints ?>
<tr>
<td class="url"><a href="<?cs var:Site.Base ?>/manage/<?cs var:ep.id ?>"><code><?cs var:ep.url ?></code></a><?cs if:ep.description ?><div class="small desc"><?cs var:ep.description ?></div><?cs /if ?><div class="muted small"><?cs var:ep.id ?><?cs if:Session.CanWrite ?> · <a href="<?cs var:Site.Base ?>/manage/<?cs var:ep.id ?>">Edit</a> · <a href="<?cs var:Site.Base ?>/manage/<?cs var:ep.id ?>/delete">Delete</a><?cs /if ?></div></td>
<td data-label="Status"><?cs call:status_badge(ep.enabled) ?><?cs if:ep.disabled_reason ?><div class="muted small"><?cs var:ep.disabled_reason ?></div><?cs /if ?></td>
<td data-label="Health"><?cs if:ep.consecutive_failures > 0 ?><span class="badge warn"><?cs var:ep.consecutive_failures ?> failing</span><?cs else ?><span class="badge ok">healthy</span><?cs /if ?></td>
<td data-label="Event types"><?cs each:t = ep.event_types ?><span class="tag"><?cs var:t ?></span> <?cs /each ?></td>
<td data-label="Last delivery"><?cs call:time(ep.last_attempt_at) ?></td>
<td data-label="Success (7 d)"><?cs call:rate(ep.success_rate) ?></td>
</tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs if:Page.Iterator ?><nav class="pager" aria-label="Pages"><a href="<?cs var:Site.Base ?>/manage?<?cs if:Page.Filter.health ?>health=<?cs var:url_escape(Page.Filter.health) ?>&amp;<?cs /if ?>iterator=<?cs var:url_escape(Page.Iterator) ?>">Next page</a></nav><?cs /if ?>
<?cs /if ?>
<?cs call:layout_bottom() ?>
