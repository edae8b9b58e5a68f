<?cs # macros.cs: small pieces shared by the pages. Every value goes
   through var: (HTML-escaped by Config.VarEscapeMode=html). Never use
   uvar:, lvar:, evar:, alt: or name: on data: see tests/template-escaping. ?>
<?cs def:status_badge(enabled) ?><?cs if:enabled ?><span class="badge ok">enabled</span><?cs else ?><span class="badge off">disabled</span><?cs /if ?><?cs /def ?>
<?cs def:delivery_badge(status) ?><span class="badge st-<?cs var:status ?>"><?cs var:status ?></span><?cs /def ?>
<?cs def:time(t) ?><?cs if:t ?><time datetime="<?cs var:t ?>" title="<?cs var:t ?> UTC"><?cs var:t ?></time><?cs else ?><span class="muted">never</span><?cs /if ?><?cs /def ?>
<?cs def:csrf_field() ?><input type="hidden" name="csrf" value="<?cs var:Session.Csrf ?>"><?cs /def ?>
<?cs # The deliveries list's filters, carried by the bulk retry forms. ?>
<?cs def:delivery_filter_fields() ?><input type="hidden" name="status" value="<?cs var:Page.Filter.status ?>"><input type="hidden" name="webhook_id" value="<?cs var:Page.Filter.webhook_id ?>"><input type="hidden" name="type" value="<?cs var:Page.Filter.type ?>"><input type="hidden" name="since" value="<?cs var:Page.Filter.since ?>"><input type="hidden" name="until" value="<?cs var:Page.Filter.until ?>"><?cs /def ?>
<?cs def:field_error(name) ?><?cs if:Page.FieldError[name] ?><p class="field-error" id="err-<?cs var:name ?>"><?cs var:Page.FieldError[name] ?></p><?cs /if ?><?cs /def ?>
<?cs def:invalid(name) ?><?cs if:Page.FieldError[name] ?> aria-invalid="true" aria-describedby="err-<?cs var:name ?>"<?cs /if ?><?cs /def ?>
<?cs # A time field: datetime-local, except when it comes back with an
   error, as text, so that what was typed shows (a browser shows nothing
   for a value that is not a local date and time). ?>
<?cs def:time_type(name) ?><?cs if:Page.FieldError[name] ?>text<?cs else ?>datetime-local<?cs /if ?><?cs /def ?>
<?cs # n and the noun that goes with it: "1 delivery", "2 deliveries", "0 deliveries". ?>
<?cs def:count(n, one, many) ?><?cs var:n ?> <?cs if:n == 1 ?><?cs var:one ?><?cs else ?><?cs var:many ?><?cs /if ?><?cs /def ?>
<?cs def:noun(n, one, many) ?><?cs if:n == 1 ?><?cs var:one ?><?cs else ?><?cs var:many ?><?cs /if ?><?cs /def ?>
<?cs def:selected(a, b) ?><?cs if:a == b ?> selected<?cs /if ?><?cs /def ?>
<?cs def:checked(v) ?><?cs if:v ?> checked<?cs /if ?><?cs /def ?>
<?cs def:rate(v) ?><?cs if:v || v == "0" ?><?cs var:v ?> %<?cs else ?><span class="muted">–</span><?cs /if ?><?cs /def ?>
<?cs def:ms(v) ?><?cs if:v || v == "0" ?><?cs var:v ?> ms<?cs else ?><span class="muted">–</span><?cs /if ?><?cs /def ?>
<?cs def:headers_table(list, caption) ?><?cs if:subcount(list) ?><table class="kv"><caption class="visually-hidden"><?cs var:caption ?></caption><tbody><?cs each:h = list ?><tr><th scope="row"><?cs var:h.name ?></th><td><code><?cs var:h.value ?></code></td></tr><?cs /each ?></tbody></table><?cs else ?><p class="muted">No headers.</p><?cs /if ?><?cs /def ?>
<?cs def:notice(done) ?><?cs if:done == "saved" ?><p class="notice" role="status">Saved.</p><?cs elif:done == "enabled" ?><p class="notice" role="status">Endpoint enabled; waiting deliveries resume.</p><?cs elif:done == "disabled" ?><p class="notice" role="status">Endpoint disabled; new deliveries wait until it is enabled.</p><?cs elif:done == "deleted" ?><p class="notice" role="status">Endpoint deleted.</p><?cs elif:done == "retried" ?><p class="notice" role="status">Queued again; the runner sends it on its next pass.</p><?cs elif:done == "type_created" ?><p class="notice" role="status">Event type defined. It is in the catalog below and can be chosen in each webhook's event types.</p><?cs /if ?><?cs /def ?>
<?cs def:checked_if(a, b) ?><?cs if:a == b ?> checked<?cs /if ?><?cs /def ?>
<?cs # Form option sections (manage_form.cs): a new option is a call of
   opt_input or opt_check inside an opt_section, then its field_error. ?>
<?cs def:opt_section(id, legend, hint) ?><fieldset class="opt" id="opt-<?cs var:id ?>"><legend><?cs var:legend ?></legend><?cs if:hint ?><p class="hint"><?cs var:hint ?></p><?cs /if ?><?cs /def ?>
<?cs def:described(id, hint, err) ?><?cs if:hint || Page.FieldError[err] ?> aria-describedby="<?cs if:hint ?>hint-<?cs var:id ?><?cs /if ?><?cs if:hint && Page.FieldError[err] ?> <?cs /if ?><?cs if:Page.FieldError[err] ?>err-<?cs var:err ?><?cs /if ?>"<?cs /if ?><?cs if:Page.FieldError[err] ?> aria-invalid="true"<?cs /if ?><?cs /def ?>
<?cs # More endpoints than a list holds (Page.EndpointsMore): a field for
   an endpoint's id, suggesting the first ones, so that every endpoint
   (the newest are the last) can still be chosen. ?>
<?cs def:endpoint_select(name, current, allowall) ?><?cs if:Page.EndpointsMore ?><input id="<?cs var:name ?>" name="<?cs var:name ?>" class="mono" value="<?cs var:current ?>" list="<?cs var:name ?>-list" autocomplete="off" spellcheck="false" placeholder="wh_…<?cs if:allowall ?> (empty: all endpoints)<?cs /if ?>"<?cs call:described(name, 1, name) ?>><datalist id="<?cs var:name ?>-list"><?cs each:ep = Page.Endpoints ?><option value="<?cs var:ep.id ?>"><?cs var:ep.url ?><?cs if:ep.description ?> (<?cs var:ep.description ?>)<?cs /if ?></option><?cs /each ?></datalist><p class="hint" id="hint-<?cs var:name ?>">More than <?cs var:Page.EndpointsMore ?> endpoints: paste the endpoint's id (on its Manage page); the first <?cs var:Page.EndpointsMore ?> are suggested.</p><?cs else ?><select id="<?cs var:name ?>" name="<?cs var:name ?>"<?cs call:invalid(name) ?>><?cs if:allowall ?><option value="">All endpoints</option><?cs else ?><option value="">Choose an endpoint</option><?cs /if ?><?cs each:ep = Page.Endpoints ?><option value="<?cs var:ep.id ?>"<?cs call:selected(ep.id, current) ?>><?cs var:ep.url ?><?cs if:ep.description ?> (<?cs var:ep.description ?>)<?cs /if ?></option><?cs /each ?></select><?cs /if ?><?cs /def ?>
<?cs def:opt_input(id, name, label, value, hint, err, mode) ?><div class="field"><label for="<?cs var:id ?>"><?cs var:label ?></label><input id="<?cs var:id ?>" name="<?cs var:name ?>" value="<?cs var:value ?>"<?cs if:mode == "numeric" ?> inputmode="numeric"<?cs /if ?><?cs call:described(id, hint, err) ?>><?cs if:hint ?><p class="hint" id="hint-<?cs var:id ?>"><?cs var:hint ?></p><?cs /if ?></div><?cs /def ?>
<?cs # A member of one kind of destination authentication: stored ones are
   never shown (the core does not return them), secret ones not even as typed. ?>
<?cs def:auth_input(kind, member, label, secret) ?><div class="field"><label for="auth-<?cs var:kind ?>-<?cs var:member ?>"><?cs var:label ?></label><input id="auth-<?cs var:kind ?>-<?cs var:member ?>" name="auth.<?cs var:kind ?>.<?cs var:member ?>"<?cs if:secret ?> type="password" autocomplete="new-password"<?cs else ?> autocomplete="off" value="<?cs if:Page.Form.auth.type == kind ?><?cs var:Page.Form.auth[member] ?><?cs /if ?>"<?cs /if ?><?cs if:Page.Stored.auth_type == kind && (secret || kind != "oauth2") ?> placeholder="set — leave empty to keep"<?cs /if ?><?cs call:invalid("auth") ?>></div><?cs /def ?>
<?cs def:bad_header(h) ?><?cs if:h.bad ?> aria-invalid="true" aria-describedby="err-headers"<?cs /if ?><?cs /def ?>
<?cs def:opt_check(id, name, label, on, hint) ?><div class="check"><input id="<?cs var:id ?>" name="<?cs var:name ?>" type="checkbox" value="1"<?cs call:checked(on) ?><?cs if:hint ?> aria-describedby="hint-<?cs var:id ?>"<?cs /if ?>><label for="<?cs var:id ?>"><?cs var:label ?><?cs if:hint ?> <span class="hint" id="hint-<?cs var:id ?>"><?cs var:hint ?></span><?cs /if ?></label></div><?cs /def ?>
<?cs def:opt_choice(group, name, value, label, current) ?><div class="check"><input id="<?cs var:group ?>-<?cs var:value ?>" name="<?cs var:name ?>" type="radio" value="<?cs var:value ?>"<?cs call:checked_if(current, value) ?>><label for="<?cs var:group ?>-<?cs var:value ?>"><?cs var:label ?></label></div><?cs /def ?>
