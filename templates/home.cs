<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Overview</h1>
<div class="stats">
<a class="stat" href="<?cs var:Site.Base ?>/manage"><span class="num"><?cs var:Page.Stats.endpoints ?></span><span class="lbl"><?cs call:noun(Page.Stats.endpoints, "endpoint", "endpoints") ?> (<?cs var:Page.Stats.enabled ?> enabled)</span></a>
<a class="stat" href="<?cs var:Site.Base ?>/deliveries?since=<?cs var:url_escape(Page.Stats.deliveries_since) ?>"><span class="num"><?cs var:Page.Stats.deliveries_24h ?></span><span class="lbl"><?cs call:noun(Page.Stats.deliveries_24h, "delivery", "deliveries") ?> in the last 24 h</span></a>
<a class="stat" href="<?cs var:Site.Base ?>/analytics?range=24h"><span class="num"><?cs call:rate(Page.Stats.success_rate_24h) ?></span><span class="lbl">success rate (24 h, <?cs call:count(Page.Stats.attempts_24h, "attempt", "attempts") ?>)</span></a>
<a class="stat<?cs if:Page.Stats.failing > 0 ?> warn<?cs /if ?>" href="<?cs var:Site.Base ?>/manage?health=failing"><span class="num"><?cs var:Page.Stats.failing ?></span><span class="lbl">failing <?cs call:noun(Page.Stats.failing, "endpoint", "endpoints") ?></span></a>
<a class="stat<?cs if:Page.Stats.disabled > 0 ?> warn<?cs /if ?>" href="<?cs var:Site.Base ?>/manage?health=disabled"><span class="num"><?cs var:Page.Stats.disabled ?></span><span class="lbl">disabled <?cs call:noun(Page.Stats.disabled, "endpoint", "endpoints") ?></span></a>
<a class="stat<?cs if:Page.Stats.dead > 0 ?> bad<?cs /if ?>" href="<?cs var:Site.Base ?>/deliveries?status=dead"><span class="num"><?cs var:Page.Stats.dead ?></span><span class="lbl">dead <?cs call:noun(Page.Stats.dead, "letter", "letters") ?></span></a>
<div class="stat"><span class="num"><?cs var:Page.Stats.waiting ?></span><span class="lbl"><?cs call:noun(Page.Stats.waiting, "delivery", "deliveries") ?> waiting: <a href="<?cs var:Site.Base ?>/deliveries?status=pending"><?cs var:Page.Stats.pending ?> pending</a>, <a href="<?cs var:Site.Base ?>/deliveries?status=sending"><?cs var:Page.Stats.sending ?> sending</a>, <a href="<?cs var:Site.Base ?>/deliveries?status=paused"><?cs var:Page.Stats.paused ?> paused</a></span></div>
<a class="stat" href="<?cs var:Site.Base ?>/incoming?since=<?cs var:url_escape(Page.Stats.deliveries_since) ?>#requests"><span class="num"><?cs var:Page.Incoming.received ?></span><span class="lbl">incoming <?cs call:noun(Page.Incoming.received, "request", "requests") ?> (24 h, <?cs call:count(Page.Incoming.duplicate, "duplicate", "duplicates") ?>)</span></a>
<a class="stat<?cs if:Page.Incoming.rejected > 0 ?> warn<?cs /if ?>" href="<?cs var:Site.Base ?>/incoming?outcome=rejected&amp;since=<?cs var:url_escape(Page.Stats.deliveries_since) ?>#requests"><span class="num"><?cs var:Page.Incoming.rejected ?></span><span class="lbl">incoming refused (24 h)</span></a>
</div>
<section class="card">
<h2>Needs attention</h2>
<?cs if:subcount(Page.Stats.attention) == 0 ?>
<p class="empty">All endpoints are healthy.</p>
<?cs else ?>
<ul class="plain">
<?cs each:ep = Page.Stats.attention ?>
<li><a href="<?cs var:Site.Base ?>/manage/<?cs var:ep.id ?>"><code><?cs var:ep.url ?></code></a>
<?cs call:status_badge(ep.enabled) ?>
<?cs if:ep.consecutive_failures > 0 ?><span class="muted"><?cs call:count(ep.consecutive_failures, "failure", "failures") ?> in a row</span><?cs /if ?>
<?cs if:ep.disabled_reason ?><span class="muted"><?cs var:ep.disabled_reason ?></span><?cs /if ?>
· <a href="<?cs var:Site.Base ?>/deliveries?webhook_id=<?cs var:url_escape(ep.id) ?>">deliveries</a></li>
<?cs /each ?>
</ul>
<?cs /if ?>
<p><a class="button" href="<?cs var:Site.Base ?>/manage">Manage webhooks</a> <a class="button secondary" href="<?cs var:Site.Base ?>/testing">Send a test</a></p>
</section>
<?cs call:layout_bottom() ?>
