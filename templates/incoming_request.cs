<?cs include:"layout.cs" ?><?cs include:"incoming_form.cs" ?><?cs call:layout_top() ?>
<h1>Incoming request</h1>
<p class="muted small"><a href="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Request.source_id ?>">← <?cs var:Page.Request.source_slug ?></a> · <?cs var:Page.Request.id ?></p>
<section class="card">
<dl class="meta">
<dt>Received</dt><dd><?cs call:time(Page.Request.received_at) ?> from <code><?cs var:Page.Request.client_addr ?></code></dd>
<dt>Outcome</dt><dd><?cs call:outcome_badge(Page.Request.outcome) ?><?cs if:Page.Request.error_code ?> <code><?cs var:Page.Request.error_code ?></code> <?cs var:Page.Request.error_message ?><?cs /if ?></dd>
<?cs if:Page.Request.verified_with ?><dt>Signature</dt><dd>verified with the <?cs if:Page.Request.verified_with == "previous" ?><strong>previous</strong> secret (the sender has not switched to the new one yet)<?cs else ?>current secret<?cs /if ?></dd><?cs /if ?>
<dt>Sender event</dt><dd><?cs if:Page.Request.provider_event ?><code><?cs var:Page.Request.provider_event ?></code><?cs else ?><span class="muted">–</span><?cs /if ?></dd>
<dt>Sender's delivery id</dt><dd><?cs if:Page.Request.dedupe_key ?><code><?cs var:Page.Request.dedupe_key ?></code><?cs else ?><span class="muted">none (not deduplicated)</span><?cs /if ?></dd>
<dt>Event</dt><dd><?cs if:Page.Request.event_id ?><a href="<?cs var:Site.Base ?>/events/<?cs var:Page.Request.event_id ?>"><code><?cs var:Page.Request.event_id ?></code></a> <span class="tag"><?cs var:Page.Request.event_type ?></span><?cs else ?><span class="muted">none published</span><?cs /if ?></dd>
</dl>
</section>
<section class="card">
<h2>Headers</h2>
<?cs call:headers_table(Page.Headers, "Request headers") ?>
</section>
<section class="card">
<h2>Body <span class="muted small">(<?cs var:Page.Request.body_bytes ?> bytes<?cs if:Page.Request.body_truncated ?>, the first 64 KiB shown<?cs /if ?>)</span></h2>
<pre><?cs var:Page.BodyText ?></pre>
</section>
<?cs call:layout_bottom() ?>
