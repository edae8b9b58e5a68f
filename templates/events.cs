<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Events</h1>
<section class="card">
<h2>Recent events</h2>
<form class="filters" method="get" action="<?cs var:Site.Base ?>/events">
<div><label for="type">Event type</label><input id="type" name="type" placeholder="sms.delivered or sms.*" value="<?cs var:Page.Filter.type ?>"<?cs call:invalid("type") ?>><?cs call:field_error("type") ?></div>
<div><label for="since">Since (UTC)</label><input id="since" name="since" type="datetime-local" value="<?cs var:Page.Filter.since ?>"<?cs call:invalid("since") ?>><?cs call:field_error("since") ?></div>
<div><label for="until">Until (UTC)</label><input id="until" name="until" type="datetime-local" value="<?cs var:Page.Filter.until ?>"<?cs call:invalid("until") ?>><?cs call:field_error("until") ?></div>
<div><button type="submit">Search</button></div>
</form>
<?cs if:subcount(Page.Events) == 0 ?>
<p class="empty">No events match. Publish one with <code>POST /webhooks/publish</code> or <code>hooklinectl publish</code>.</p>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Recent events</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Created</th><th scope="col">Deliveries</th><th scope="col">Payload</th></tr></thead>
<tbody>
<?cs each:e = Page.Events ?>
<tr><td><a href="<?cs var:Site.Base ?>/events/<?cs var:e.id ?>"><code><?cs var:e.id ?></code></a></td><td data-label="Type"><span class="tag"><?cs var:e.event_type ?></span></td><td data-label="Created"><?cs call:time(e.created_at) ?></td><td data-label="Deliveries"><?cs var:e.deliveries ?></td><td data-label="Payload" class="payload"><code><?cs var:e.payload_text ?></code></td></tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs if:Page.Iterator ?><nav class="pager" aria-label="Pages"><a href="<?cs var:Site.Base ?>/events?type=<?cs var:url_escape(Page.Filter.type) ?>&amp;since=<?cs var:url_escape(Page.Filter.since) ?>&amp;until=<?cs var:url_escape(Page.Filter.until) ?>&amp;iterator=<?cs var:url_escape(Page.Iterator) ?>">Older events</a></nav><?cs /if ?>
<?cs /if ?>
</section>
<section class="card">
<h2>Event type catalog</h2>
<p class="muted">Custom event types cannot be defined from the dashboard yet.</p>
<div class="families">
<?cs each:fam = Page.Catalog.Families ?>
<div>
<h3><?cs var:fam.name ?> <span class="muted small"><code><?cs var:fam.wildcard ?></code></span></h3>
<dl class="catalog">
<?cs each:t = fam.types ?>
<dt><code><?cs var:t.name ?></code><?cs if:t.custom ?> <span class="tag">custom</span><?cs /if ?></dt>
<dd><?cs var:t.description ?><?cs if:t.schema_text ?><details><summary>Schema</summary><pre><?cs var:t.schema_text ?></pre></details><?cs /if ?></dd>
<?cs /each ?>
</dl>
</div>
<?cs /each ?>
</div>
</section>
<?cs call:layout_bottom() ?>
