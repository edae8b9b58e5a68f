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
</fieldset>
</fieldset>
<?cs if:Session.CanWrite ?><button type="submit"><?cs if:Page.Id ?>Save<?cs else ?>Create webhook<?cs /if ?></button><?cs /if ?>
<a class="button secondary" href="<?cs var:Site.Base ?>/manage">Cancel</a>
</form>
<?cs if:Page.Id && Session.CanWrite ?>
<section class="card">
<h2>Actions</h2>
<div class="actions">
<?cs if:Page.Form.enabled ?>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/disable"><?cs call:csrf_field() ?><button type="submit" class="secondary">Disable</button></form>
<?cs else ?>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/enable"><?cs call:csrf_field() ?><button type="submit" class="secondary">Enable</button></form>
<?cs /if ?>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/rotate"><?cs call:csrf_field() ?><button type="submit" class="secondary">Rotate secret</button></form>
<form method="post" action="<?cs var:Site.Base ?>/manage/<?cs var:Page.Id ?>/delete"><?cs call:csrf_field() ?><button type="submit" class="danger">Delete</button></form>
</div>
<p class="muted small">Rotating keeps the old secret signing for 24 hours beside the new one. Deleting removes the endpoint and its delivery history.</p>
</section>
<?cs /if ?>
<?cs call:layout_bottom() ?>
