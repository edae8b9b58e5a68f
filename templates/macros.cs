<?cs # macros.cs: small pieces shared by the pages. Every value goes
   through var: (HTML-escaped by Config.VarEscapeMode=html). Never use
   uvar:, lvar:, evar:, alt: or name: on data: see tests/template-escaping. ?>
<?cs def:status_badge(enabled) ?><?cs if:enabled ?><span class="badge ok">enabled</span><?cs else ?><span class="badge off">disabled</span><?cs /if ?><?cs /def ?>
<?cs def:delivery_badge(status) ?><span class="badge st-<?cs var:status ?>"><?cs var:status ?></span><?cs /def ?>
<?cs def:time(t) ?><?cs if:t ?><time datetime="<?cs var:t ?>" title="<?cs var:t ?> UTC"><?cs var:t ?></time><?cs else ?><span class="muted">never</span><?cs /if ?><?cs /def ?>
<?cs def:csrf_field() ?><input type="hidden" name="csrf" value="<?cs var:Session.Csrf ?>"><?cs /def ?>
