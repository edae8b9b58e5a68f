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
<div class="two">
<div><h4>Headers</h4><?cs call:headers_table(q.headers, "Headers") ?></div>
<div><h4>Body<?cs if:q.body_truncated ?> <span class="tag">truncated</span><?cs /if ?></h4><?cs if:q.body ?><pre><?cs var:q.body ?></pre><?cs else ?><p class="muted">Empty.</p><?cs /if ?></div>
</div>
</section>
<?cs /each ?>
<?cs call:layout_bottom() ?>
