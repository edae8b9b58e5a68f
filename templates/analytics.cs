<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<?cs def:stats_cells(s) ?><td class="num" data-label="Attempts"><?cs var:s.attempts ?></td><td class="num" data-label="Success"><?cs call:rate(s.success_rate) ?></td><td class="num" data-label="p50"><?cs call:ms(s.p50_ms) ?></td><td class="num" data-label="p95"><?cs call:ms(s.p95_ms) ?></td><td class="num" data-label="p99"><?cs call:ms(s.p99_ms) ?></td><?cs /def ?>
<?cs def:stats_head(first) ?><thead><tr><th scope="col"><?cs var:first ?></th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Success</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">p99</th></tr></thead><?cs /def ?>
<div class="head"><h1>Analytics</h1><a class="button secondary" href="<?cs var:Site.Base ?>/analytics.csv?<?cs var:Page.Query ?>">Export CSV</a></div>
<?cs if:Page.Error ?><p class="error" role="alert"><?cs var:Page.Error ?></p><?cs /if ?>
<form class="card filters" method="get" action="<?cs var:Site.Base ?>/analytics">
<div><label for="range">Time range</label><select id="range" name="range"<?cs call:invalid("range") ?>><option value="24h"<?cs call:selected(Page.Range, "24h") ?>>Last 24 hours</option><option value="7d"<?cs call:selected(Page.Range, "7d") ?>>Last 7 days</option><option value="30d"<?cs call:selected(Page.Range, "30d") ?>>Last 30 days</option><option value="custom"<?cs call:selected(Page.Range, "custom") ?>>Custom (below)</option></select><?cs call:field_error("range") ?></div>
<div><label for="since">Since (UTC, custom)</label><input id="since" name="since" type="<?cs call:time_type("since") ?>" value="<?cs var:Page.Filter.since ?>"<?cs call:invalid("since") ?>><?cs call:field_error("since") ?></div>
<div><label for="until">Until (UTC, custom)</label><input id="until" name="until" type="<?cs call:time_type("until") ?>" value="<?cs var:Page.Filter.until ?>"<?cs call:invalid("until") ?>><?cs call:field_error("until") ?></div>
<div><label for="webhook_id">Endpoint</label><?cs call:endpoint_select("webhook_id", Page.Filter.webhook_id, 1) ?><?cs call:field_error("webhook_id") ?></div>
<div><label for="type">Event type</label><input id="type" name="type" placeholder="sms.delivered" value="<?cs var:Page.Filter.type ?>"<?cs call:invalid("type") ?>><?cs call:field_error("type") ?></div>
<div><button type="submit">Show</button></div>
</form>
<?cs if:Page.A.since ?>
<div class="stats">
<div class="stat"><span class="num"><?cs var:Page.A.totals.attempts ?></span><span class="lbl">attempts</span></div>
<div class="stat"><span class="num"><?cs call:rate(Page.A.totals.success_rate) ?></span><span class="lbl">success rate</span></div>
<div class="stat"><span class="num"><?cs call:ms(Page.A.totals.p50_ms) ?></span><span class="lbl">p50 latency</span></div>
<div class="stat"><span class="num"><?cs call:ms(Page.A.totals.p95_ms) ?></span><span class="lbl">p95 latency</span></div>
<div class="stat"><span class="num"><?cs call:ms(Page.A.totals.p99_ms) ?></span><span class="lbl">p99 latency</span></div>
</div>
<p class="muted small">From <?cs call:time(Page.A.since) ?> to <?cs call:time(Page.A.until) ?>, <?cs var:Page.A.bucket_seconds ?> s per bar.<?cs if:Page.A.truncated ?> More than 200 endpoints or event types: the tables below show 200 of them; the figures count every attempt.<?cs /if ?></p>
<section class="card">
<h2 id="vol-title">Volume and success rate</h2>
<svg class="chart" viewBox="0 0 <?cs var:Page.Chart.W ?> <?cs var:Page.Chart.H ?>" role="img" aria-labelledby="vol-title vol-desc" preserveAspectRatio="none">
<desc id="vol-desc">Attempts per interval (bars, failed part in red, at most <?cs var:Page.Chart.MaxAttempts ?>) and success rate (line, 0 to 100 %).</desc>
<line class="axis" x1="0" y1="<?cs var:Page.Chart.Bottom ?>" x2="<?cs var:Page.Chart.W ?>" y2="<?cs var:Page.Chart.Bottom ?>"></line>
<?cs each:b = Page.Chart.Bars ?><g><title><?cs var:b.start ?>: <?cs call:count(b.attempts, "attempt", "attempts") ?>, <?cs var:b.failed ?> failed</title><rect class="bar" x="<?cs var:b.x ?>" y="<?cs var:b.y ?>" width="<?cs var:b.w ?>" height="<?cs var:b.h ?>"></rect><rect class="bar-bad" x="<?cs var:b.x ?>" y="<?cs var:b.yf ?>" width="<?cs var:b.w ?>" height="<?cs var:b.hf ?>"></rect></g><?cs /each ?>
<?cs if:Page.Chart.RatePoints ?><polyline class="line-rate" points="<?cs var:Page.Chart.RatePoints ?>"></polyline><path class="dots rate" d="<?cs var:Page.Chart.RateDots ?>"></path><?cs /if ?>
</svg>
<p class="legend"><span class="key bar"></span> attempts (max <?cs var:Page.Chart.MaxAttempts ?>) <span class="key bad"></span> failed <span class="key rate"></span> success rate</p>
</section>
<section class="card">
<h2 id="lat-title">Latency</h2>
<svg class="chart" viewBox="0 0 <?cs var:Page.Chart.W ?> <?cs var:Page.Chart.H ?>" role="img" aria-labelledby="lat-title lat-desc" preserveAspectRatio="none">
<desc id="lat-desc">Latency percentiles per interval, 0 to <?cs var:Page.Chart.MaxMs ?> ms.</desc>
<line class="axis" x1="0" y1="<?cs var:Page.Chart.Bottom ?>" x2="<?cs var:Page.Chart.W ?>" y2="<?cs var:Page.Chart.Bottom ?>"></line>
<?cs if:Page.Chart.P50Points ?><polyline class="line-p50" points="<?cs var:Page.Chart.P50Points ?>"></polyline><polyline class="line-p95" points="<?cs var:Page.Chart.P95Points ?>"></polyline><polyline class="line-p99" points="<?cs var:Page.Chart.P99Points ?>"></polyline><path class="dots p50" d="<?cs var:Page.Chart.P50Dots ?>"></path><path class="dots p95" d="<?cs var:Page.Chart.P95Dots ?>"></path><path class="dots p99" d="<?cs var:Page.Chart.P99Dots ?>"></path><?cs /if ?>
</svg>
<p class="legend"><span class="key p50"></span> p50 <span class="key p95"></span> p95 <span class="key p99"></span> p99 (top = <?cs var:Page.Chart.MaxMs ?> ms)</p>
</section>
<section class="card">
<h2>By endpoint</h2>
<?cs if:subcount(Page.A.by_endpoint) == 0 ?><p class="empty">No attempts in this range.</p><?cs else ?>
<div class="table-wrap"><table class="list"><?cs call:stats_head("Endpoint") ?><tbody>
<?cs each:g = Page.A.by_endpoint ?><tr><td><?cs if:g.url ?><a href="<?cs var:Site.Base ?>/manage/<?cs var:g.webhook_id ?>"><code><?cs var:g.url ?></code></a><?cs else ?>deleted webhook <code><?cs var:g.webhook_id ?></code><?cs /if ?></td><?cs call:stats_cells(g) ?></tr><?cs /each ?>
</tbody></table></div><?cs /if ?>
</section>
<section class="card">
<h2>By event type</h2>
<?cs if:subcount(Page.A.by_event_type) == 0 ?><p class="empty">No attempts in this range.</p><?cs else ?>
<div class="table-wrap"><table class="list"><?cs call:stats_head("Event type") ?><tbody>
<?cs each:g = Page.A.by_event_type ?><tr><td><span class="tag"><?cs var:g.event_type ?></span></td><?cs call:stats_cells(g) ?></tr><?cs /each ?>
</tbody></table></div><?cs /if ?>
</section>
<section class="card">
<h2>Error classes</h2>
<?cs if:subcount(Page.A.error_classes) == 0 ?><p class="empty">No failed attempts in this range.</p><?cs else ?>
<ul class="plain"><?cs each:c = Page.A.error_classes ?><li><span class="badge off"><?cs var:c.error_class ?></span> <?cs var:c.count ?></li><?cs /each ?></ul>
<?cs /if ?>
</section>
<?cs /if ?>
<?cs call:layout_bottom() ?>
