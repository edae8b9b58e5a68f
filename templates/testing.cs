<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Testing</h1>
<?cs if:Page.Error ?><p class="error" role="alert"><?cs var:Page.Error ?></p><?cs /if ?>
<section class="card" id="send">
<h2>Send a test event</h2>
<p class="muted small">Signed and sent exactly as the runner would, but not stored and not retried.</p>
<?cs if:subcount(Page.Endpoints) == 0 ?><p class="empty">Create an endpoint first.</p><?cs else ?>
<form method="post" action="<?cs var:Site.Base ?>/testing/send#result">
<?cs call:csrf_field() ?>
<label for="webhook_id">Endpoint</label><?cs call:endpoint_select("webhook_id", Page.Send.webhook_id, 0) ?><?cs call:field_error("webhook_id") ?>
<label for="type">Event type</label>
<select id="type" name="type"<?cs call:invalid("type") ?>><?cs each:fam = Page.Catalog.Families ?><optgroup label="<?cs var:fam.name ?>"><?cs each:t = fam.types ?><option value="<?cs var:t.name ?>"<?cs call:selected(t.name, Page.Send.type) ?>><?cs var:t.name ?></option><?cs /each ?></optgroup><?cs /each ?></select><?cs call:field_error("type") ?>
<label for="payload">Payload (JSON object)</label>
<textarea id="payload" name="payload" rows="6" class="mono"<?cs call:invalid("payload") ?>><?cs var:Page.Send.payload ?></textarea><?cs call:field_error("payload") ?>
<?cs if:Session.CanWrite ?><button type="submit">Send test</button><?cs else ?><p class="muted">Your role cannot send tests.</p><?cs /if ?>
</form>
<?cs /if ?>
<?cs if:Page.Result.done ?>
<div class="result" id="result">
<h3>Result: <?cs if:Page.Result.success ?><span class="badge ok">success</span><?cs else ?><span class="badge off"><?cs if:Page.Result.error_class ?><?cs var:Page.Result.error_class ?><?cs else ?>failed<?cs /if ?></span><?cs /if ?><?cs if:Page.Result.duration_ms ?> <span class="muted small"><?cs var:Page.Result.duration_ms ?> ms</span><?cs /if ?></h3>
<?cs if:Page.Result.error_message ?><p class="error"><?cs var:Page.Result.error_message ?></p><?cs /if ?>
<div class="two">
<div><h4>Request sent</h4><p><code><?cs var:Page.Result.method ?> <?cs var:Page.Result.url ?></code></p><?cs call:headers_table(Page.Result.request_headers, "Request headers") ?><pre><?cs var:Page.Result.request_body ?></pre></div>
<div><h4>Response received<?cs if:Page.Result.status ?> <span class="tag">HTTP <?cs var:Page.Result.status ?></span><?cs /if ?></h4><?cs call:headers_table(Page.Result.response_headers, "Response headers") ?><?cs if:Page.Result.response_body ?><pre><?cs var:Page.Result.response_body ?></pre><?cs /if ?></div>
</div>
</div>
<?cs /if ?>
</section>
<section class="card" id="verify">
<h2>Signature checker</h2>
<p class="muted small">Checks a Standard Webhooks signature: HMAC-SHA256 over <code>id.timestamp.body</code>. The secret is not stored or shown again.</p>
<form method="post" action="<?cs var:Site.Base ?>/testing/verify#verify">
<?cs call:csrf_field() ?>
<label for="secret">Secret</label><input id="secret" name="secret" autocomplete="off" placeholder="whsec_…">
<label for="msg_id">webhook-id</label><input id="msg_id" name="msg_id" value="<?cs var:Page.Check.msg_id ?>">
<label for="timestamp">webhook-timestamp</label><input id="timestamp" name="timestamp" inputmode="numeric" value="<?cs var:Page.Check.timestamp ?>">
<label for="signature">webhook-signature</label><input id="signature" name="signature" value="<?cs var:Page.Check.signature ?>">
<label for="body">Body (exactly as received)</label><textarea id="body" name="body" rows="4" class="mono"><?cs var:Page.Check.body ?></textarea>
<button type="submit">Check signature</button>
</form>
<?cs if:Page.Check.done ?>
<div class="result" id="check-result" role="status"><?cs if:Page.Check.valid ?><p><span class="badge ok">valid</span> The signature matches.</p><?cs if:Page.Check.warning ?><p class="warn-text"><?cs var:Page.Check.warning ?></p><?cs /if ?><?cs else ?><p><span class="badge off">invalid</span> <?cs var:Page.Check.reason ?></p><?cs /if ?></div>
<?cs /if ?>
</section>
<section class="card" id="inspect">
<h2>Request inspector</h2>
<p class="muted small">A temporary URL that records whatever is posted to it (for 24 hours, up to 100 requests), to debug a sender.</p>
<?cs if:Session.CanWrite ?><form method="post" action="<?cs var:Site.Base ?>/testing/inspect"><?cs call:csrf_field() ?><button type="submit" class="secondary">Create a receive URL</button></form><?cs /if ?>
<?cs if:subcount(Page.Bins) == 0 ?><p class="empty">No receive URLs yet.</p><?cs else ?>
<ul class="plain"><?cs each:b = Page.Bins ?><li><a href="<?cs var:Site.Base ?>/testing/inspect/<?cs var:b.id ?>"><code><?cs var:b.id ?></code></a> <span class="muted small"><?cs call:count(b.requests, "request", "requests") ?> · expires <?cs call:time(b.expires_at) ?></span></li><?cs /each ?></ul>
<?cs /if ?>
</section>
<?cs call:layout_bottom() ?>
