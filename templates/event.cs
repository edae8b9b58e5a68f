<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Event <code><?cs var:Page.Event.id ?></code></h1>
<section class="card">
<dl class="meta"><dt>Type</dt><dd><span class="tag"><?cs var:Page.Event.event_type ?></span></dd><dt>Created</dt><dd><?cs call:time(Page.Event.created_at) ?></dd><?cs if:Page.Event.idempotency_key ?><dt>Idempotency key</dt><dd><code><?cs var:Page.Event.idempotency_key ?></code></dd><?cs /if ?></dl>
<h2>Payload</h2>
<pre><?cs var:Page.PayloadText ?></pre>
</section>
<section class="card">
<h2>Deliveries</h2>
<?cs if:subcount(Page.Event.deliveries) == 0 ?>
<p class="empty">No endpoint was subscribed to this event type when it was published.</p>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Deliveries of this event</caption>
<thead><tr><th scope="col">Delivery</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last attempt</th></tr></thead>
<tbody>
<?cs each:d = Page.Event.deliveries ?>
<tr><td><a href="<?cs var:Site.Base ?>/deliveries/<?cs var:d.id ?>"><code><?cs var:d.id ?></code></a></td><td data-label="Endpoint"><code><?cs var:d.url ?></code></td><td data-label="Status"><?cs call:delivery_badge(d.status) ?></td><td data-label="Attempts"><?cs var:d.attempts ?><?cs if:d.last_status_code ?> (HTTP <?cs var:d.last_status_code ?>)<?cs /if ?><?cs if:d.last_error_class ?> <span class="muted"><?cs var:d.last_error_class ?></span><?cs /if ?></td><td data-label="Last attempt"><?cs call:time(d.last_attempt_at) ?></td></tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs /if ?>
</section>
<?cs call:layout_bottom() ?>
