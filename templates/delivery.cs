<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Delivery <code><?cs var:Page.Delivery.id ?></code></h1>
<?cs call:notice(Page.Done) ?>
<section class="card">
<dl class="meta">
<dt>Status</dt><dd><?cs call:delivery_badge(Page.Delivery.status) ?></dd>
<dt>Event</dt><dd><a href="<?cs var:Site.Base ?>/events/<?cs var:Page.Delivery.event_id ?>"><code><?cs var:Page.Delivery.event_id ?></code></a> <span class="tag"><?cs var:Page.Delivery.event_type ?></span></dd>
<dt>Endpoint</dt><dd><?cs with:ep = Page.EndpointInfo[Page.Delivery.webhook_id] ?><?cs if:ep.url ?><a href="<?cs var:Site.Base ?>/manage/<?cs var:Page.Delivery.webhook_id ?>"><code><?cs var:ep.url ?></code></a><?cs if:ep.description ?><div class="small desc"><?cs var:ep.description ?></div><?cs /if ?><div class="muted small"><?cs var:Page.Delivery.webhook_id ?></div><?cs else ?><a href="<?cs var:Site.Base ?>/manage/<?cs var:Page.Delivery.webhook_id ?>"><code><?cs var:Page.Delivery.webhook_id ?></code></a><?cs /if ?><?cs /with ?></dd>
<dt>Attempts</dt><dd><?cs var:Page.Delivery.attempts ?></dd>
<dt>Created</dt><dd><?cs call:time(Page.Delivery.created_at) ?></dd>
<?cs if:Page.Delivery.next_attempt_at ?><dt>Next attempt</dt><dd><?cs call:time(Page.Delivery.next_attempt_at) ?></dd><?cs /if ?>
<?cs if:Page.Delivery.completed_at ?><dt>Completed</dt><dd><?cs call:time(Page.Delivery.completed_at) ?></dd><?cs /if ?>
</dl>
<?cs if:Session.CanWrite && Page.Delivery.status != "sending" && Page.Delivery.status != "paused" ?>
<form method="post" action="<?cs var:Site.Base ?>/deliveries/<?cs var:Page.Delivery.id ?>/retry"><?cs call:csrf_field() ?><button type="submit"><?cs if:Page.Delivery.status == "succeeded" ?>Replay<?cs else ?>Retry now<?cs /if ?></button></form>
<?cs /if ?>
</section>
<h2>Attempts</h2>
<?cs if:subcount(Page.Attempts) == 0 ?>
<section class="card empty"><p>Not attempted yet.</p></section>
<?cs /if ?>
<?cs each:a = Page.Attempts ?>
<section class="card attempt">
<h3>Attempt <?cs var:a.attempt ?> <?cs if:a.error_class ?><span class="badge off"><?cs var:a.error_class ?></span><?cs else ?><span class="badge ok">success</span><?cs /if ?> <span class="muted small"><?cs call:time(a.started_at) ?> · <?cs var:a.duration_ms ?> ms</span></h3>
<?cs if:a.error_message ?><p class="error"><?cs var:a.error_message ?></p><?cs /if ?>
<div class="two">
<div><h4>Request</h4><p><code><?cs var:a.request_url ?></code></p><?cs call:headers_table(a.request_headers, "Request headers") ?></div>
<div><h4>Response<?cs if:a.response_status ?> <span class="tag">HTTP <?cs var:a.response_status ?></span><?cs /if ?></h4><?cs call:headers_table(a.response_headers, "Response headers") ?><?cs if:a.response_body ?><pre><?cs var:a.response_body ?></pre><?cs /if ?></div>
</div>
</section>
<?cs /each ?>
<?cs call:layout_bottom() ?>
