<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1><?cs var:Page.Title ?></h1>
<?cs call:notice(Page.Done) ?>
<?cs if:Page.Error ?><p class="error" role="alert"><?cs var:Page.Error ?></p><?cs /if ?>
<?cs if:Page.Id ?><p class="muted small"><?cs var:Page.Id ?> · <a href="<?cs var:Site.Base ?>/deliveries?webhook_id=<?cs var:url_escape(Page.Id) ?>">Deliveries</a> · <a href="<?cs var:Site.Base ?>/analytics?webhook_id=<?cs var:url_escape(Page.Id) ?>">Analytics</a> · <a href="<?cs var:Site.Base ?>/testing?webhook_id=<?cs var:url_escape(Page.Id) ?>">Send a test</a></p><?cs /if ?>
<form class="card form" method="post" action="<?cs var:Site.Base ?>/manage<?cs if:Page.Id ?>/<?cs var:Page.Id ?><?cs /if ?>">
<?cs call:csrf_field() ?>
<?cs if:!Session.CanWrite ?><p class="notice" role="status">Your role can view this webhook but not change it.</p><?cs /if ?>
<fieldset class="plain"<?cs if:!Session.CanWrite ?> disabled<?cs /if ?>>
<label for="url">Endpoint URL</label>
<input id="url" name="url" type="url" required maxlength="2048" value="<?cs var:Page.Form.url ?>"<?cs call:invalid("url") ?>>
<?cs call:field_error("url") ?>
<label for="description">Description</label>
<input id="description" name="description" maxlength="500" value="<?cs var:Page.Form.description ?>"<?cs call:invalid("description") ?>>
<?cs call:field_error("description") ?>
<label for="method">HTTP method</label>
<select id="method" name="method"><option value="POST"<?cs call:selected(Page.Form.method, "POST") ?>>POST</option><option value="PUT"<?cs call:selected(Page.Form.method, "PUT") ?>>PUT</option></select>
<?cs call:field_error("method") ?>
<div class="check"><input id="enabled" name="enabled" type="checkbox" value="1"<?cs call:checked(Page.Form.enabled) ?>><label for="enabled">Enabled</label></div>
<fieldset class="catalog"<?cs if:Page.FieldError.event_types ?> aria-describedby="err-event_types"<?cs /if ?>>
<legend>Event types</legend>
<?cs call:field_error("event_types") ?>
<div class="check"><input id="sub-all" name="suball" type="checkbox" value="1"<?cs call:checked(Page.Catalog.AllChecked) ?>><label for="sub-all">Everything (<code>*</code>)</label></div>
<?cs each:fam = Page.Catalog.Families ?>
<div class="family">
<div class="check fam"><input id="sub-<?cs var:fam.name ?>-all" name="subfam.<?cs var:fam.name ?>" type="checkbox" value="1"<?cs call:checked(fam.checked) ?>><label for="sub-<?cs var:fam.name ?>-all"><strong><?cs var:fam.name ?></strong> — all (<code><?cs var:fam.wildcard ?></code>)</label></div>
<?cs each:t = fam.types ?>
<div class="check"><input id="sub-<?cs var:t.name ?>" name="sub.<?cs var:t.name ?>" type="checkbox" value="1"<?cs call:checked(t.checked) ?>><label for="sub-<?cs var:t.name ?>"><code><?cs var:t.name ?></code> <span class="muted small"><?cs var:t.description ?></span></label></div>
<?cs /each ?>
</div>
<?cs /each ?>
<?cs if:subcount(Page.Filters) ?>
<div class="filters">
<p class="muted small">Payload filters, set through the API (<code>POST /webhooks/{id}/subscribe</code>), stay when you save; unticking a type drops its filter.</p>
<dl><?cs each:f = Page.Filters ?><dt><code><?cs var:f.event_type ?></code></dt><dd><pre><?cs var:f.text ?></pre></dd><?cs /each ?></dl>
</div>
<?cs /if ?>
</fieldset>
<h2 class="form-section">Delivery options</h2>
<?cs call:opt_section("headers", "Custom headers", "Sent with every delivery. hookline sets the webhook-* signature headers, Content-Type and the HTTP framing headers itself.") ?>
<div class="header-rows">
<span class="col" aria-hidden="true">Name</span><span class="col" aria-hidden="true">Value</span>
<?cs each:h = Page.Form.header_rows ?>
<div><label class="visually-hidden" for="header-<?cs var:h.i ?>-name">Header <?cs var:h.i + 1 ?> name</label><input id="header-<?cs var:h.i ?>-name" name="header.<?cs var:h.i ?>.name" value="<?cs var:h.name ?>" autocomplete="off" spellcheck="false"<?cs if:h.i == 0 ?> placeholder="X-Example"<?cs /if ?><?cs call:bad_header(h) ?>></div>
<div><label class="visually-hidden" for="header-<?cs var:h.i ?>-value">Header <?cs var:h.i + 1 ?> value</label><input id="header-<?cs var:h.i ?>-value" name="header.<?cs var:h.i ?>.value" value="<?cs var:h.value ?>" autocomplete="off" spellcheck="false"<?cs call:bad_header(h) ?>></div>
<?cs /each ?>
</div>
<?cs call:field_error("headers") ?>
<p class="hint">Need more rows? Save, and the form offers two more.</p>
</fieldset>
<?cs call:opt_section("auth", "Destination authentication", "Credentials your endpoint checks, besides the signature. Passwords, tokens and secrets are stored encrypted and never shown again.") ?>
<div class="choices">
<?cs call:opt_choice("auth", "auth.type", "none", "None", Page.Form.auth.type) ?>
<?cs call:opt_choice("auth", "auth.type", "basic", "Basic (username and password)", Page.Form.auth.type) ?>
<?cs call:opt_choice("auth", "auth.type", "bearer", "Bearer token", Page.Form.auth.type) ?>
<?cs call:opt_choice("auth", "auth.type", "header", "Custom header", Page.Form.auth.type) ?>
<?cs call:opt_choice("auth", "auth.type", "oauth2", "OAuth 2.0 client credentials", Page.Form.auth.type) ?>
</div>
<div class="when when-basic row"><?cs call:auth_input("basic", "username", "Username", 0) ?><?cs call:auth_input("basic", "password", "Password", 1) ?></div>
<div class="when when-bearer row"><?cs call:auth_input("bearer", "token", "Token (sent as Authorization: Bearer …)", 1) ?></div>
<div class="when when-header row"><?cs call:auth_input("header", "name", "Header name", 0) ?><?cs call:auth_input("header", "value", "Header value", 1) ?></div>
<div class="when when-oauth2"><?cs call:auth_input("oauth2", "token_url", "Token URL", 0) ?><div class="row"><?cs call:auth_input("oauth2", "client_id", "Client ID", 0) ?><?cs call:auth_input("oauth2", "client_secret", "Client secret", 1) ?></div><div class="row"><?cs call:auth_input("oauth2", "scope", "Scope (optional)", 0) ?><?cs call:auth_input("oauth2", "audience", "Audience (optional)", 0) ?></div><p class="hint">hookline gets a token from the token URL and sends it as Authorization: Bearer …, fetching a new one when it expires or is refused.</p></div>
<?cs if:Page.Stored.auth_type == "oauth2" ?><p class="hint">Credentials are set (oauth2). Change nothing to keep them; to change any field, enter the client secret again (and the audience, if you use one: it is not shown).</p>
<?cs elif:Page.Stored.auth_type != "none" ?><p class="hint">Credentials are set (<?cs var:Page.Stored.auth_type ?>). Leave the fields empty to keep them; to change them, enter all of them.</p><?cs /if ?>
<?cs call:field_error("auth") ?>
</fieldset>
<?cs call:opt_section("retry", "Retries", "When a delivery fails, it is tried again on this schedule, then kept as a dead letter.") ?>
<div class="choices">
<?cs call:opt_choice("retry", "retry_mode", "default", "Server default", Page.Form.retry_mode) ?>
<?cs call:opt_choice("retry", "retry_mode", "schedule", "Fixed schedule", Page.Form.retry_mode) ?>
<?cs call:opt_choice("retry", "retry_mode", "exponential", "Exponential backoff", Page.Form.retry_mode) ?>
</div>
<div class="when when-schedule"><?cs call:opt_input("retry_schedule", "retry_schedule", "Delays before each attempt", Page.Form.retry_schedule, "Comma-separated, like 0,5s,5m,1h: one attempt per entry.", "retry_schedule", "") ?><?cs call:field_error("retry_schedule") ?></div>
<div class="when when-exponential"><div class="row"><?cs call:opt_input("retry-base", "retry_exponential.base_seconds", "First delay (s)", Page.Form.retry_exponential.base_seconds, "", "retry_exponential", "numeric") ?><?cs call:opt_input("retry-cap", "retry_exponential.cap_seconds", "Longest delay (s)", Page.Form.retry_exponential.cap_seconds, "", "retry_exponential", "numeric") ?><?cs call:opt_input("retry-max", "retry_exponential.max_attempts", "Attempts", Page.Form.retry_exponential.max_attempts, "", "retry_exponential", "numeric") ?></div><p class="hint">Each delay doubles, up to the longest delay.</p><?cs call:field_error("retry_exponential") ?></div>
</fieldset>
<?cs call:opt_section("timing", "Timing and throughput", "") ?>
<div class="row">
<div><?cs call:opt_input("timeout_ms", "timeout_ms", "Timeout (ms)", Page.Form.timeout_ms, "100 to 300000; empty: the server default.", "timeout_ms", "numeric") ?><?cs call:field_error("timeout_ms") ?></div>
<div><?cs call:opt_input("priority", "priority", "Priority", Page.Form.priority, "-100 to 100; higher goes first.", "priority", "numeric") ?><?cs call:field_error("priority") ?></div>
</div>
<div class="row">
<div><?cs call:opt_input("batch_max", "batch_max", "Batch size", Page.Form.batch_max, "1 to 100; above 1, due deliveries go together as one JSON array.", "batch_max", "numeric") ?><?cs call:field_error("batch_max") ?></div>
<div><?cs call:opt_input("rate_limit", "rate_limit", "Rate limit (per second)", Page.Form.rate_limit, "1 to 10000 deliveries a second, across all runners; empty: no limit.", "rate_limit", "numeric") ?><?cs call:field_error("rate_limit") ?></div>
</div>
<?cs call:opt_check("fifo", "fifo", "Deliver in order (FIFO)", Page.Form.fifo, "one at a time; the next waits until the previous one has succeeded or given up.") ?>
<?cs call:field_error("fifo") ?>
</fieldset>
<?cs call:opt_section("signing", "Signing", "Every delivery is signed with the endpoint's secret (Standard Webhooks, HMAC-SHA256).") ?>
<?cs call:opt_check("ed25519", "ed25519", "Also sign with ed25519", Page.Form.ed25519, "an asymmetric signature receivers check with a public key.") ?>
<?cs call:field_error("ed25519") ?>
<?cs if:Page.Stored.ed25519_public_key ?>
<label for="ed25519_public_key">ed25519 public key</label>
<div class="copy-row"><textarea id="ed25519_public_key" class="mono" rows="3" readonly spellcheck="false"><?cs var:Page.Stored.ed25519_public_key ?></textarea><button type="button" class="secondary" data-copy="ed25519_public_key">Copy</button></div>
<?cs /if ?>
</fieldset>
<?cs call:opt_section("encryption", "Payload encryption", "The body is sent as an AES-256-GCM envelope your receiver decrypts with the endpoint's key (signatures cover the envelope). The key is shown once, when it is generated.") ?>
<?cs call:opt_check("encryption", "encryption", "Encrypt payloads", Page.Form.encryption, "unticking sends plain JSON again.") ?>
<?cs if:Page.Stored.encryption ?>
<?cs call:opt_check("encryption_renew", "encryption_renew", "Generate a new encryption key", Page.Form.encryption_renew, "the current key stops being used at once; the new one is shown once.") ?>
<?cs /if ?>
<?cs call:field_error("encryption") ?>
</fieldset>
</fieldset>
<?cs if:Session.CanWrite ?><button type="submit"><?cs if:Page.Id ?>Save<?cs else ?>Create webhook<?cs /if ?></button><?cs /if ?>
<a class="button secondary" href="<?cs var:Site.Base ?>/manage">Cancel</a>
</form>
<?cs if:Page.Id && Session.CanWrite ?>
<section class="card">
<h2>Actions</h2>
<div class="actions">
<?cs if:Page.Stored.enabled ?>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/disable"><?cs call:csrf_field() ?><button type="submit" class="secondary">Disable</button></form>
<?cs else ?>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/enable"><?cs call:csrf_field() ?><button type="submit" class="secondary">Enable</button></form>
<?cs /if ?>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/rotate"><?cs call:csrf_field() ?><button type="submit" class="secondary">Rotate secret</button></form>
<a class="button danger" href="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/delete">Delete</a>
</div>
<p class="muted small">Rotating keeps the old secret signing for 24 hours beside the new one. Deleting removes the endpoint and its delivery history.</p>
</section>
<?cs /if ?>
<?cs call:layout_bottom() ?>
