<?cs # incoming_form.cs: the pieces the incoming pages share: the source
   form's fields (create and edit), the outcome badge and the request log. ?>
<?cs def:outcome_badge(o) ?><span class="badge out-<?cs var:o ?>"><?cs var:o ?></span><?cs /def ?>
<?cs def:source_fields(editing) ?>
<label for="src-name">Name</label>
<input id="src-name" name="name" maxlength="200" placeholder="GitHub (payments repo)" value="<?cs var:Page.Form.name ?>"<?cs call:invalid("name") ?>>
<?cs call:field_error("name") ?>
<label for="src-verify">Sender (how its requests are signed)</label>
<select id="src-verify" name="verify"<?cs call:described("src-verify", "1", "verify") ?>>
<option value="github"<?cs call:selected(Page.Form.verify, "github") ?>>GitHub (X-Hub-Signature-256)</option>
<option value="stripe"<?cs call:selected(Page.Form.verify, "stripe") ?>>Stripe (Stripe-Signature)</option>
<option value="shopify"<?cs call:selected(Page.Form.verify, "shopify") ?>>Shopify (X-Shopify-Hmac-Sha256)</option>
<option value="standard"<?cs call:selected(Page.Form.verify, "standard") ?>>Standard Webhooks / Svix (webhook-signature)</option>
<option value="none"<?cs call:selected(Page.Form.verify, "none") ?>>Unsigned (allowed addresses only)</option>
</select>
<p class="hint" id="hint-src-verify">Requests whose signature does not verify are refused with 401 and logged.</p>
<?cs call:field_error("verify") ?>
<div class="secret-field">
<label for="src-secret">Signing secret</label>
<input id="src-secret" name="secret" type="password" autocomplete="new-password" spellcheck="false" maxlength="255"<?cs if:editing && Page.Source.verify == "none" ?> placeholder="none: this source is unsigned"<?cs elif:editing ?> placeholder="set — leave empty to keep"<?cs /if ?><?cs call:described("src-secret", "1", "secret") ?>>
<p class="hint" id="hint-src-secret"><?cs if:editing && Page.Source.verify == "none" ?>This source is unsigned, so it has no secret. To verify its requests, choose its sender above and enter the secret it signs with.<?cs else ?>The secret the sender shows you (GitHub, Stripe, Shopify). For Standard Webhooks leave it empty and hookline makes one; for unsigned sources leave it empty.<?cs /if ?></p>
<?cs call:field_error("secret") ?>
</div>
<label for="src-type">Publish as event type</label>
<select id="src-type" name="event_type"<?cs call:invalid("event_type") ?>>
<?cs each:t = Page.Types ?><option value="<?cs var:t ?>"<?cs call:selected(Page.Form.event_type, t) ?>><?cs var:t ?></option><?cs /each ?>
</select>
<?cs call:field_error("event_type") ?>
<label for="src-type-map">Event types by the sender's event name (optional)</label>
<textarea id="src-type-map" name="type_map" rows="3" class="mono" spellcheck="false" placeholder="push = code.pushed" <?cs call:described("src-type-map", "1", "type_map") ?>><?cs var:Page.Form.type_map ?></textarea>
<p class="hint" id="hint-src-type-map">One <code>sender event = event type</code> per line: GitHub's X-GitHub-Event, Shopify's X-Shopify-Topic, Stripe's and Standard Webhooks' <code>type</code>. Other events use the type above.</p>
<?cs call:field_error("type_map") ?>
<details class="define"<?cs if:Page.FieldError.slug || Page.FieldError.allowed_cidrs || Page.FieldError.tolerance_seconds || Page.FieldError.rate_limit ?> open<?cs /if ?>>
<summary>URL, addresses and limits</summary>
<label for="src-slug">URL name</label>
<input id="src-slug" name="slug" maxlength="64" spellcheck="false" placeholder="<?cs if:editing ?><?cs var:Page.Source.slug ?><?cs else ?>generated when empty<?cs /if ?>" value="<?cs var:Page.Form.slug ?>"<?cs call:described("src-slug", "1", "slug") ?>>
<p class="hint" id="hint-src-slug">The sender posts to <code>/webhooks/incoming/<em>name</em></code>: 3 to 64 of a-z, 0-9, - and _.</p>
<?cs call:field_error("slug") ?>
<label for="src-cidrs">Allowed sender addresses</label>
<input id="src-cidrs" name="allowed_cidrs" maxlength="1000" spellcheck="false" placeholder="any address" value="<?cs var:Page.Form.allowed_cidrs ?>"<?cs call:described("src-cidrs", "1", "allowed_cidrs") ?>>
<p class="hint" id="hint-src-cidrs">CIDRs separated by commas, e.g. <code>192.30.252.0/22, 2a0a:a440::/29</code>. Required for unsigned sources.</p>
<?cs call:field_error("allowed_cidrs") ?>
<label for="src-tolerance">Timestamp tolerance (seconds)</label>
<input id="src-tolerance" name="tolerance_seconds" inputmode="numeric" placeholder="300" value="<?cs var:Page.Form.tolerance_seconds ?>"<?cs call:described("src-tolerance", "1", "tolerance_seconds") ?>>
<p class="hint" id="hint-src-tolerance">Signed timestamps (Stripe, Standard Webhooks) further from now are refused as replays. 30 to 86400.</p>
<?cs call:field_error("tolerance_seconds") ?>
<label for="src-rate">Rate limit (requests per minute)</label>
<input id="src-rate" name="rate_limit" inputmode="numeric" placeholder="no limit" value="<?cs var:Page.Form.rate_limit ?>"<?cs call:described("src-rate", "1", "rate_limit") ?>>
<p class="hint" id="hint-src-rate">Requests over it get 429 with Retry-After and are not logged.</p>
<?cs call:field_error("rate_limit") ?>
</details>
<?cs /def ?>
<?cs def:requests_table(show_source) ?>
<?cs if:subcount(Page.Requests) == 0 ?>
<p class="empty">Nothing received yet.</p>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Received requests, newest first</caption>
<thead><tr><th scope="col">Received</th><?cs if:show_source ?><th scope="col">Source</th><?cs /if ?><th scope="col">Outcome</th><th scope="col">Sender event</th><th scope="col">Event</th><th scope="col">From</th></tr></thead>
<tbody>
<?cs each:q = Page.Requests ?>
<tr>
<td><a href="<?cs var:Site.Base ?>/incoming/<?cs var:q.source_id ?>/requests/<?cs var:q.id ?>"><?cs call:time(q.received_at) ?></a><div class="muted small"><?cs var:q.id ?></div></td>
<?cs if:show_source ?><td data-label="Source"><a href="<?cs var:Site.Base ?>/incoming/<?cs var:q.source_id ?>"><code><?cs var:q.source_slug ?></code></a></td><?cs /if ?>
<td data-label="Outcome"><?cs call:outcome_badge(q.outcome) ?><?cs if:q.error_code ?><div class="small"><code><?cs var:q.error_code ?></code></div><?cs /if ?></td>
<td data-label="Sender event"><?cs if:q.provider_event ?><code><?cs var:q.provider_event ?></code><?cs else ?><span class="muted">–</span><?cs /if ?></td>
<td data-label="Event"><?cs if:q.event_id ?><a href="<?cs var:Site.Base ?>/events/<?cs var:q.event_id ?>"><span class="tag"><?cs var:q.event_type ?></span></a><?cs else ?><span class="muted">none</span><?cs /if ?></td>
<td data-label="From"><code><?cs var:q.client_addr ?></code></td>
</tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs /if ?>
<?cs /def ?>
