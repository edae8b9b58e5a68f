<?cs include:"layout.cs" ?><?cs include:"incoming_form.cs" ?><?cs call:layout_top() ?>
<h1><?cs if:Page.Source.name ?><?cs var:Page.Source.name ?><?cs else ?><?cs var:Page.Source.slug ?><?cs /if ?></h1>
<?cs if:Page.Done == "saved" ?><p class="notice" role="status">Saved.</p><?cs elif:Page.Done == "rotated" ?><p class="notice" role="status">Secret rotated. <?cs if:Page.Source.previous_secret_expires_at ?>The previous secret keeps verifying until <?cs call:time(Page.Source.previous_secret_expires_at) ?>.<?cs else ?>The previous secret no longer verifies.<?cs /if ?></p><?cs elif:Page.Done == "created" ?><p class="notice" role="status">Source created. Give the sender the URL below; <?cs if:Page.Source.verify == "none" ?>its requests are admitted by their address alone (see below).<?cs else ?>the signing secret you entered verifies its requests.<?cs /if ?></p><?cs /if ?>
<?cs # An unsigned source is the one kind whose requests nothing
   authenticates: say what that admits and what to do about it. ?>
<?cs if:Page.Source.verify == "none" ?><div class="notice warn-box" role="note" id="unsigned">
<p><strong>Requests to this source are not signed, so hookline cannot tell whether they really come from your sender.</strong> Every request from an allowed address (<?cs if:Page.Source.allowed_cidrs ?><code><?cs var:Page.Source.allowed_cidrs ?></code><?cs else ?>none set<?cs /if ?>) is accepted and published (as <span class="tag"><?cs var:Page.Source.event_type ?></span>, or the type its type map names), whoever sent it; a copy of an earlier request is accepted again unless it repeats its <code>Idempotency-Key</code>.</p>
<p>If the sender can sign its requests, choose its scheme under Sender (Standard Webhooks for a sender of your own) and enter the secret: then a request without a valid signature is refused. Otherwise keep the allowed addresses to the sender's own, and if hookline runs behind a proxy make sure the web server reports the client's address, not the proxy's (docs/operations.md). There is no secret to rotate.</p>
</div><?cs /if ?>
<section class="card">
<label for="src-url">Where the sender posts</label>
<div class="copy-row"><input id="src-url" class="mono" readonly spellcheck="false" value="<?cs var:Page.Source.url ?>"><button type="button" class="secondary" data-copy="src-url">Copy</button></div>
<p class="muted small"><?cs var:Page.Source.id ?> · <?cs call:status_badge(Page.Source.enabled) ?> · sender <strong><?cs var:Page.Source.verify ?></strong> · publishes <span class="tag"><?cs var:Page.Source.event_type ?></span> · last request <?cs call:time(Page.Source.last_received_at) ?></p>
</section>
<form class="card form" method="post" action="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Source.id ?>">
<h2>Settings</h2>
<?cs call:csrf_field() ?>
<?cs if:!Session.CanWrite ?><p class="notice" role="status">Your role can view this source but not change it.</p><?cs /if ?>
<?cs if:Page.FormError ?><p class="error" role="alert">Nothing was saved: please correct the highlighted field.</p><?cs /if ?>
<fieldset class="plain"<?cs if:!Session.CanWrite ?> disabled<?cs /if ?>>
<div class="check"><input id="src-enabled" name="enabled" type="checkbox" value="1"<?cs call:checked(Page.Form.enabled) ?>><label for="src-enabled">Enabled <span class="hint">(a disabled source answers 403 source_disabled)</span></label></div>
<?cs call:source_fields(1) ?>
<?cs if:Session.CanWrite ?><button type="submit">Save</button><?cs /if ?>
</fieldset>
</form>
<?cs if:Session.CanWrite && (Page.Source.verify != "none" || Page.Rotate.error) ?>
<section class="card" id="rotate">
<h2>Rotate secret</h2>
<?cs if:Page.Rotate.error ?><p class="error" role="alert">The secret was not rotated: please correct the highlighted field.</p><?cs /if ?>
<?cs if:Page.Source.previous_secret_expires_at && Page.Done != "rotated" ?><p class="muted small">The previous secret still verifies until <?cs call:time(Page.Source.previous_secret_expires_at) ?>; rotating again ends it.</p><?cs /if ?>
<form class="form" method="post" action="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Source.id ?>/rotate">
<?cs call:csrf_field() ?>
<label for="rotate-secret">New signing secret</label>
<input id="rotate-secret" name="secret" type="password" autocomplete="new-password" spellcheck="false" maxlength="255"<?cs if:Page.Source.verify == "standard" ?> placeholder="leave empty to have one made"<?cs else ?> required<?cs /if ?><?cs call:described("rotate-secret", "1", "rotate_secret") ?>>
<p class="hint" id="hint-rotate-secret"><?cs if:Page.Source.verify == "standard" ?>Leave it empty and hookline makes one (shown once), or paste a <code>whsec_</code> secret of your own.<?cs else ?>Roll the secret at the sender first and paste the new one it shows you.<?cs /if ?></p>
<?cs call:field_error("rotate_secret") ?>
<label for="rotate-grace">Keep the old secret verifying for (hours)</label>
<input id="rotate-grace" name="grace_hours" inputmode="numeric" placeholder="24" value="<?cs var:Page.Rotate.grace_hours ?>"<?cs call:described("rotate-grace", "1", "rotate_grace") ?>>
<p class="hint" id="hint-rotate-grace">0 to 168. Until then requests signed with either secret are accepted, while the sender switches; 0 refuses the old one at once.</p>
<?cs call:field_error("rotate_grace") ?>
<button type="submit" class="secondary">Rotate secret</button>
</form>
</section>
<?cs /if ?>
<section class="card">
<h2>Received requests</h2>
<form class="filters" method="get" action="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Source.id ?>">
<div><label for="outcome">Outcome</label><select id="outcome" name="outcome"<?cs call:invalid("outcome") ?>><option value="">All</option><option value="accepted"<?cs call:selected(Page.Filter.outcome, "accepted") ?>>accepted</option><option value="duplicate"<?cs call:selected(Page.Filter.outcome, "duplicate") ?>>duplicate</option><option value="rejected"<?cs call:selected(Page.Filter.outcome, "rejected") ?>>rejected</option></select><?cs call:field_error("outcome") ?></div>
<div><button type="submit">Show</button></div>
</form>
<?cs call:stale_page() ?>
<?cs if:!Page.Stale && !Page.FieldError.outcome ?><?cs call:requests_table(0) ?><?cs /if ?>
<?cs if:Page.Iterator ?><nav class="pager" aria-label="Pages"><a href="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Source.id ?>?outcome=<?cs var:url_escape(Page.Filter.outcome) ?>&amp;iterator=<?cs var:url_escape(Page.Iterator) ?>">Older requests</a></nav><?cs /if ?>
</section>
<?cs if:Session.CanWrite ?>
<section class="card">
<h2>Delete</h2>
<form method="post" action="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Source.id ?>/delete">
<?cs call:csrf_field() ?>
<div class="check"><input id="confirm" name="confirm" type="checkbox" value="1" required<?cs call:invalid("confirm") ?>><label for="confirm">Delete this source and its request log. Senders posting to its URL get 404.</label></div>
<?cs call:field_error("confirm") ?>
<button type="submit" class="danger">Delete source</button>
</form>
</section>
<?cs /if ?>
<?cs call:layout_bottom() ?>
