<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Webhooks</h1>
<?cs if:subcount(Page.Endpoints) == 0 ?>
<section class="card empty">
<p>No webhook endpoints yet. Create one with <code>POST /webhooks</code>.</p>
</section>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Webhook endpoints</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Description</th><th scope="col">Status</th><th scope="col">Event types</th><th scope="col">Last success</th></tr></thead>
<tbody>
<?cs each:ep = Page.Endpoints ?>
<tr>
<td class="url"><code><?cs var:ep.url ?></code><div class="muted small"><?cs var:ep.id ?></div></td>
<td><?cs var:ep.description ?></td>
<td><?cs call:status_badge(ep.enabled) ?><?cs if:ep.disabled_reason ?><div class="muted small"><?cs var:ep.disabled_reason ?></div><?cs /if ?></td>
<td><?cs each:t = ep.event_types ?><span class="tag"><?cs var:t ?></span> <?cs /each ?></td>
<td><?cs call:time(ep.last_success_at) ?></td>
</tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs if:Page.Iterator ?><p><a href="<?cs var:Site.Base ?>/manage?iterator=<?cs var:url_escape(Page.Iterator) ?>">Next page</a></p><?cs /if ?>
<?cs /if ?>
<?cs call:layout_bottom() ?>
