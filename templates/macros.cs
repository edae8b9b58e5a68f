<?cs # macros.cs: small pieces shared by the pages. Every value goes
   through var: (HTML-escaped by Config.VarEscapeMode=html). Never use
   uvar:, lvar:, evar:, alt: or name: on data: see tests/template-escaping. ?>
<?cs def:status_badge(enabled) ?><?cs if:enabled ?><span class="badge ok">enabled</span><?cs else ?><span class="badge off">disabled</span><?cs /if ?><?cs /def ?>
<?cs def:delivery_badge(status) ?><span class="badge st-<?cs var:status ?>"><?cs var:status ?></span><?cs /def ?>
<?cs def:time(t) ?><?cs if:t ?><time datetime="<?cs var:t ?>" title="<?cs var:t ?> UTC"><?cs var:t ?></time><?cs else ?><span class="muted">never</span><?cs /if ?><?cs /def ?>
<?cs def:csrf_field() ?><input type="hidden" name="csrf" value="<?cs var:Session.Csrf ?>"><?cs /def ?>
<?cs def:field_error(name) ?><?cs if:Page.FieldError[name] ?><p class="field-error" id="err-<?cs var:name ?>"><?cs var:Page.FieldError[name] ?></p><?cs /if ?><?cs /def ?>
<?cs def:invalid(name) ?><?cs if:Page.FieldError[name] ?> aria-invalid="true" aria-describedby="err-<?cs var:name ?>"<?cs /if ?><?cs /def ?>
<?cs def:selected(a, b) ?><?cs if:a == b ?> selected<?cs /if ?><?cs /def ?>
<?cs def:checked(v) ?><?cs if:v ?> checked<?cs /if ?><?cs /def ?>
<?cs def:rate(v) ?><?cs if:v || v == "0" ?><?cs var:v ?> %<?cs else ?><span class="muted">–</span><?cs /if ?><?cs /def ?>
<?cs def:ms(v) ?><?cs if:v || v == "0" ?><?cs var:v ?> ms<?cs else ?><span class="muted">–</span><?cs /if ?><?cs /def ?>
<?cs def:headers_table(list, caption) ?><?cs if:subcount(list) ?><table class="kv"><caption class="visually-hidden"><?cs var:caption ?></caption><tbody><?cs each:h = list ?><tr><th scope="row"><?cs var:h.name ?></th><td><code><?cs var:h.value ?></code></td></tr><?cs /each ?></tbody></table><?cs else ?><p class="muted">No headers.</p><?cs /if ?><?cs /def ?>
<?cs def:endpoint_select(name, current, allowall) ?><select id="<?cs var:name ?>" name="<?cs var:name ?>"<?cs call:invalid(name) ?>><?cs if:allowall ?><option value="">All endpoints</option><?cs else ?><option value="">Choose an endpoint</option><?cs /if ?><?cs each:ep = Page.Endpoints ?><option value="<?cs var:ep.id ?>"<?cs call:selected(ep.id, current) ?>><?cs var:ep.url ?><?cs if:ep.description ?> (<?cs var:ep.description ?>)<?cs /if ?></option><?cs /each ?></select><?cs /def ?>
<?cs def:notice(done) ?><?cs if:done == "saved" ?><p class="notice" role="status">Saved.</p><?cs elif:done == "enabled" ?><p class="notice" role="status">Endpoint enabled; waiting deliveries resume.</p><?cs elif:done == "disabled" ?><p class="notice" role="status">Endpoint disabled; new deliveries wait until it is enabled.</p><?cs elif:done == "deleted" ?><p class="notice" role="status">Endpoint deleted.</p><?cs elif:done == "retried" ?><p class="notice" role="status">Queued again; the runner sends it on its next pass.</p><?cs /if ?><?cs /def ?>
