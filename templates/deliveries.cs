<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Deliveries</h1>
<?cs call:notice(Page.Done) ?>
<?cs def:filter_fields() ?>
<div><label for="status">Status</label><select id="status" name="status"<?cs call:invalid("status") ?>><option value="">Any</option><option value="pending"<?cs call:selected(Page.Filter.status, "pending") ?>>pending</option><option value="sending"<?cs call:selected(Page.Filter.status, "sending") ?>>sending</option><option value="succeeded"<?cs call:selected(Page.Filter.status, "succeeded") ?>>succeeded</option><option value="dead"<?cs call:selected(Page.Filter.status, "dead") ?>>dead (dead letter)</option><option value="paused"<?cs call:selected(Page.Filter.status, "paused") ?>>paused</option></select><?cs call:field_error("status") ?></div>
<div><label for="webhook_id">Endpoint</label><?cs call:endpoint_select("webhook_id", Page.Filter.webhook_id, 1) ?><?cs call:field_error("webhook_id") ?></div>
<div><label for="type">Event type</label><input id="type" name="type" placeholder="sms.delivered" value="<?cs var:Page.Filter.type ?>"<?cs call:invalid("type") ?>><?cs call:field_error("type") ?></div>
<div><label for="since">Since (UTC)</label><input id="since" name="since" type="<?cs call:time_type("since") ?>" value="<?cs var:Page.Filter.since ?>"<?cs call:invalid("since") ?>><?cs call:field_error("since") ?></div>
<div><label for="until">Until (UTC)</label><input id="until" name="until" type="<?cs call:time_type("until") ?>" value="<?cs var:Page.Filter.until ?>"<?cs call:invalid("until") ?>><?cs call:field_error("until") ?></div>
<?cs /def ?>
<form class="card filters" method="get" action="<?cs var:Site.Base ?>/deliveries">
<?cs call:filter_fields() ?>
<div><button type="submit">Filter</button></div>
</form>
<?cs if:subcount(Page.Deliveries) == 0 ?>
<?cs call:stale_page() ?>
<?cs if:!Page.Stale ?><section class="card empty"><p><?cs if:subcount(Page.FieldError) ?>Correct the highlighted filter to see deliveries.<?cs else ?><?cs if:Page.Filter.status == "dead" && !Page.Filter.webhook_id && !Page.Filter.type && !Page.Filter.since && !Page.Filter.until ?>No dead letters: no delivery has run out of attempts, or each one that did was queued again.<?cs elif:Page.Filter.status == "dead" ?>No dead letters match these filters. <a href="<?cs var:Site.Base ?>/deliveries?status=dead">All dead letters</a>.<?cs elif:Page.Filter.status || Page.Filter.webhook_id || Page.Filter.type || Page.Filter.since || Page.Filter.until ?>No deliveries match these filters. <a href="<?cs var:Site.Base ?>/deliveries">Clear the filters</a>.<?cs else ?>No deliveries yet: they are made when an event is published to a subscribed endpoint.<?cs /if ?><?cs /if ?></p></section><?cs /if ?>
<?cs else ?>
<div class="table-wrap">
<table class="list">
<caption class="visually-hidden">Deliveries</caption>
<thead><tr><th scope="col">Delivery</th><th scope="col">Event type</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last attempt</th><th scope="col">Next attempt</th></tr></thead>
<tbody>
<?cs each:d = Page.Deliveries ?>
<tr><td class="url"><a href="<?cs var:Site.Base ?>/deliveries/<?cs var:d.id ?>"><code><?cs var:d.id ?></code></a><?cs if:Page.EndpointInfo[d.webhook_id].url ?><div class="small"><code><?cs var:Page.EndpointInfo[d.webhook_id].url ?></code></div><?cs if:Page.EndpointInfo[d.webhook_id].description ?><div class="small desc"><?cs var:Page.EndpointInfo[d.webhook_id].description ?></div><?cs /if ?><?cs /if ?><div class="muted small"><?cs var:d.webhook_id ?></div></td><td data-label="Event type"><span class="tag"><?cs var:d.event_type ?></span></td><td data-label="Status"><?cs call:delivery_badge(d.status) ?></td><td data-label="Attempts"><?cs var:d.attempts ?><?cs if:d.last_status_code ?> (HTTP <?cs var:d.last_status_code ?>)<?cs /if ?><?cs if:d.last_error_class ?> <span class="muted"><?cs var:d.last_error_class ?></span><?cs /if ?></td><td data-label="Last attempt"><?cs call:time(d.last_attempt_at) ?></td><td data-label="Next attempt"><?cs if:d.next_attempt_at ?><?cs call:time(d.next_attempt_at) ?><?cs else ?><span class="muted">–</span><?cs /if ?></td></tr>
<?cs /each ?>
</tbody>
</table>
</div>
<?cs if:Page.Iterator ?><nav class="pager" aria-label="Pages"><a href="<?cs var:Site.Base ?>/deliveries?status=<?cs var:url_escape(Page.Filter.status) ?>&amp;webhook_id=<?cs var:url_escape(Page.Filter.webhook_id) ?>&amp;type=<?cs var:url_escape(Page.Filter.type) ?>&amp;since=<?cs var:url_escape(Page.Filter.since) ?>&amp;until=<?cs var:url_escape(Page.Filter.until) ?>&amp;iterator=<?cs var:url_escape(Page.Iterator) ?>">Older deliveries</a></nav><?cs /if ?>
<?cs # The core queues again dead (no status: the default), succeeded or
   pending deliveries; each gets its own words, others no form. ?>
<?cs if:Session.CanWrite && (!Page.Filter.status || Page.Filter.status == "dead" || Page.Filter.status == "succeeded" || Page.Filter.status == "pending") ?>
<form class="card" method="post" action="<?cs var:Site.Base ?>/deliveries/retry">
<?cs call:csrf_field() ?>
<?cs call:delivery_filter_fields() ?>
<?cs if:Page.Filter.status == "succeeded" ?><p>Replay the succeeded deliveries matching these filters: their receivers get them again.</p><button type="submit" class="secondary">Replay succeeded deliveries…</button>
<?cs elif:Page.Filter.status == "pending" ?><p>Send the pending deliveries matching these filters now, instead of at their next attempt.</p><button type="submit" class="secondary">Send pending deliveries now…</button>
<?cs else ?><p>Retry the dead deliveries (dead letters) matching these filters<?cs if:!Page.Filter.status ?>; deliveries in other states are left as they are (filter by status to replay succeeded ones)<?cs /if ?>.</p><button type="submit" class="secondary">Retry dead deliveries…</button><?cs /if ?>
<p class="muted small">The next page says how many match before anything is queued.</p>
</form>
<?cs /if ?>
<?cs /if ?>
<?cs call:layout_bottom() ?>
