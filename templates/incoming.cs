<?cs include:"layout.cs" ?><?cs include:"incoming_form.cs" ?><?cs call:layout_top() ?>
<h1>Incoming webhooks</h1>
<?cs if:Page.Done == "source_deleted" ?><p class="notice" role="status">Source deleted, with its request log.</p><?cs /if ?>
<section class="card">
<h2>Sources</h2>
<p class="muted">A source is a URL a third party posts to. Each request is verified, logged, deduplicated by the sender's delivery id and published as an event, which your webhooks receive like any other.</p>
<?cs if:subcount(Page.Sources) == 0 ?>
<p class="empty">No incoming sources yet.</p>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Incoming sources</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Sender</th><th scope="col">Status</th><th scope="col">Publishes</th><th scope="col">Last request</th></tr></thead>
<tbody>
<?cs each:s = Page.Sources ?>
<tr>
<td class="url"><a href="<?cs var:Site.Base ?>/incoming/<?cs var:s.id ?>"><?cs if:s.name ?><?cs var:s.name ?><?cs else ?><code><?cs var:s.slug ?></code><?cs /if ?></a><div class="muted small"><code><?cs var:s.url ?></code></div></td>
<td data-label="Sender"><?cs var:s.verify ?></td>
<td data-label="Status"><?cs call:status_badge(s.enabled) ?></td>
<td data-label="Publishes"><span class="tag"><?cs var:s.event_type ?></span></td>
<td data-label="Last request"><?cs call:time(s.last_received_at) ?></td>
</tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs /if ?>
<?cs if:Session.CanWrite ?>
<details class="define" id="new-source"<?cs if:Page.CreateOpen ?> open<?cs /if ?>>
<summary>New source</summary>
<?cs if:Page.FormError ?><p class="error" role="alert">The source was not created: please correct the highlighted field.</p><?cs /if ?>
<form class="stack form" method="post" action="<?cs var:Site.Base ?>/incoming#new-source">
<?cs call:csrf_field() ?>
<?cs call:source_fields(0) ?>
<button type="submit">Create source</button>
</form>
</details>
<?cs /if ?>
</section>
<section class="card" id="requests">
<h2>Recent requests</h2>
<?cs call:stale_page() ?>
<?cs if:Page.FieldError.outcome || Page.FieldError.since ?><p class="error" role="alert">This filter is not valid, so no requests are shown. <a href="<?cs var:Site.Base ?>/incoming#requests">Show all</a></p>
<?cs elif:(Page.Filter.outcome || Page.Filter.since) && !Page.Stale ?><p class="notice" role="status">Showing <?cs if:Page.Filter.outcome ?><?cs var:Page.Filter.outcome ?> <?cs /if ?>requests<?cs if:Page.Filter.since ?> received since <?cs var:Page.Filter.since ?> UTC<?cs /if ?>. <a href="<?cs var:Site.Base ?>/incoming#requests">Show all</a></p><?cs /if ?>
<?cs call:field_error("outcome") ?><?cs call:field_error("since") ?>
<?cs if:!Page.Stale && !Page.FieldError.outcome && !Page.FieldError.since ?><?cs call:requests_table(1) ?><?cs /if ?>
<?cs if:Page.Iterator ?><nav class="pager" aria-label="Pages"><a href="<?cs var:Site.Base ?>/incoming?<?cs if:Page.Filter.outcome ?>outcome=<?cs var:url_escape(Page.Filter.outcome) ?>&amp;<?cs /if ?><?cs if:Page.Filter.since ?>since=<?cs var:url_escape(Page.Filter.since) ?>&amp;<?cs /if ?>iterator=<?cs var:url_escape(Page.Iterator) ?>">Older requests</a></nav><?cs /if ?>
</section>
<?cs call:layout_bottom() ?>
