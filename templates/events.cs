<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Events</h1>
<section class="card">
<h2>Recent events</h2>
<form class="filters" method="get" action="<?cs var:Site.Base ?>/events">
<div><label for="type">Event type</label><input id="type" name="type" placeholder="sms.delivered or sms.*" value="<?cs var:Page.Filter.type ?>"<?cs call:invalid("type") ?>><?cs call:field_error("type") ?></div>
<div><label for="since">Since (UTC)</label><input id="since" name="since" type="<?cs call:time_type("since") ?>" value="<?cs var:Page.Filter.since ?>"<?cs call:invalid("since") ?>><?cs call:field_error("since") ?></div>
<div><label for="until">Until (UTC)</label><input id="until" name="until" type="<?cs call:time_type("until") ?>" value="<?cs var:Page.Filter.until ?>"<?cs call:invalid("until") ?>><?cs call:field_error("until") ?></div>
<div><button type="submit">Search</button></div>
</form>
<?cs call:stale_page() ?>
<?cs if:subcount(Page.Events) == 0 && !Page.Stale ?>
<p class="empty"><?cs if:subcount(Page.FieldError) ?>Correct the highlighted filter to see events.<?cs else ?><?cs if:Page.Filter.type || Page.Filter.since || Page.Filter.until ?>No events match these filters. <a href="<?cs var:Site.Base ?>/events">Clear the filters</a>.<?cs else ?>No events yet. Publish one with <code>POST /webhooks/publish</code> or <code>hooklinectl publish</code>.<?cs /if ?><?cs /if ?></p>
<?cs elif:subcount(Page.Events) ?>
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
<section class="card" id="catalog">
<h2>Event type catalog</h2>
<?cs call:notice(Page.Done) ?>
<?cs if:Session.CanWrite ?>
<details class="define"<?cs if:subcount(Page.TypeError) ?> open<?cs /if ?>>
<summary>Define a custom event type</summary>
<?cs if:subcount(Page.TypeError) ?><p class="error" role="alert">The event type was not defined: please correct the highlighted field.</p><?cs /if ?>
<form class="stack" method="post" action="<?cs var:Site.Base ?>/events#catalog">
<?cs call:csrf_field() ?>
<label for="new-type-name">Name</label>
<input id="new-type-name" name="name" required maxlength="128" placeholder="orders.shipped" spellcheck="false" value="<?cs var:Page.NewType.name ?>" aria-describedby="hint-new-type-name<?cs if:Page.TypeError.name ?> err-type-name<?cs /if ?>"<?cs if:Page.TypeError.name ?> aria-invalid="true"<?cs /if ?>>
<p class="hint" id="hint-new-type-name"><code>family.action</code>: lower-case letters, digits, <code>_</code>, <code>-</code> and dots. The family (before the first dot) groups it in the catalog.</p>
<?cs if:Page.TypeError.name ?><p class="field-error" id="err-type-name"><?cs var:Page.TypeError.name ?></p><?cs /if ?>
<label for="new-type-description">Description</label>
<input id="new-type-description" name="description" maxlength="1000" value="<?cs var:Page.NewType.description ?>"<?cs if:Page.TypeError.description ?> aria-invalid="true" aria-describedby="err-type-description"<?cs /if ?>>
<?cs if:Page.TypeError.description ?><p class="field-error" id="err-type-description"><?cs var:Page.TypeError.description ?></p><?cs /if ?>
<label for="new-type-schema">JSON schema of the payload (optional)</label>
<textarea id="new-type-schema" name="schema" rows="6" class="mono" spellcheck="false" placeholder='{"type": "object", "required": ["id"]}' aria-describedby="hint-new-type-schema<?cs if:Page.TypeError.schema ?> err-type-schema<?cs /if ?>"<?cs if:Page.TypeError.schema ?> aria-invalid="true"<?cs /if ?>><?cs var:Page.NewType.schema ?></textarea>
<p class="hint" id="hint-new-type-schema">Publishes of this type are checked against it. Supported: type, properties, required, additionalProperties, enum, items, minimum, maximum, minLength, maxLength, pattern.</p>
<?cs if:Page.TypeError.schema ?><p class="field-error" id="err-type-schema"><?cs var:Page.TypeError.schema ?></p><?cs /if ?>
<button type="submit">Define event type</button>
</form>
</details>
<?cs /if ?>
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
