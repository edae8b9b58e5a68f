<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Request inspector</h1>
<section class="card">
<label for="inspect-url">Receive URL (POST or PUT)</label>
<div class="copy-row"><input id="inspect-url" readonly value="<?cs var:Site.Base ?>/inspect/<?cs var:Page.BinId ?>" data-absolute="1"><button type="button" class="secondary" data-copy="inspect-url">Copy</button></div>
<p class="muted small">Bodies are kept up to <?cs var:Page.BodyMax ?> bytes, at most <?cs var:Page.RequestsMax ?> requests. Authorization and cookies are redacted. <a href="<?cs var:Site.Base ?>/testing/inspect/<?cs var:Page.BinId ?>">Refresh</a></p>
</section>
<?cs if:subcount(Page.Requests) == 0 ?>
<section class="card empty"><p>Nothing received yet. Send a request to the URL above, then refresh.</p></section>
<?cs /if ?>
<?cs each:q = Page.Requests ?>
<section class="card attempt">
<h3><span class="tag"><?cs var:q.method ?></span> <?cs call:time(q.received_at) ?> <span class="muted small">from <?cs var:q.client_addr ?></span></h3>
<dl class="meta">
<?cs if:q.path || q.path == "0" ?><dt>Path</dt><dd><code><?cs var:q.path ?></code></dd>
<dt>Query</dt><dd><?cs if:q.query || q.query == "0" ?><code><?cs var:q.query ?></code><?cs else ?><span class="muted">none</span><?cs /if ?><?cs if:q.target_truncated ?> <span class="tag">truncated</span> <span class="muted small">the path or query was longer than kept</span><?cs /if ?></dd>
<?cs else ?><dt>Path</dt><dd class="muted">not recorded (received before hookline kept it)</dd><?cs /if ?>
</dl>
<div class="two">
<div><h4>Headers</h4><?cs call:headers_table(q.headers, "Headers") ?></div>
<div<?cs if:q.hexdump ?> class="full"<?cs /if ?>><h4>Body <span class="muted small">(<?cs var:q.body_received ?> bytes<?cs if:q.body_truncated ?>, the first <?cs var:q.body_bytes ?> kept<?cs /if ?><?cs if:q.hexdump ?>; not UTF-8 text, in hex<?cs /if ?>)</span><?cs if:q.body_truncated ?> <span class="tag">truncated</span><?cs /if ?></h4><?cs if:q.hexdump ?><pre class="hexdump"><?cs var:q.hexdump ?></pre><?cs elif:q.body_bytes == 0 ?><p class="muted">Empty.</p><?cs else ?><pre><?cs var:q.body ?></pre><?cs /if ?></div>
</div>
</section>
<?cs /each ?>
<?cs call:layout_bottom() ?>
