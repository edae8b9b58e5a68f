"""Analytics count every attempt of a range, however many: MariaDB groups
them and hookline reads percentiles from latency histograms. Until
2026-12-01 the query fetched each attempt and stopped at 200,000
("truncated"), which a modest account reaches in a 30-day view. Whole
hours that are rolled up (attempt_rollups) are read from there, and the
answer must not change by it.

The expectations are computed here, in Python, from the durations the
test stored: the bucket function below is written from the documented
rule (one bucket per ms below 64 ms, then 16 per power of two), not
taken from hookline's C or SQL."""

import html
import time

from apihelp import account, endpoint, publish
from hltest import api, ctl, load_rows, sql, time_id

N = 210000          # more than the old cap of 200,000 attempts


def bucket(ms):
    if ms < 64:
        return max(ms, 0)
    e = ms.bit_length() - 1
    return 64 + (e - 6) * 16 + ((ms >> (e - 4)) & 15)


def bucket_max(b):
    if b < 64:
        return b
    e, sub = 6 + (b - 64) // 16, (b - 64) % 16
    return ((16 + sub) << (e - 4)) + (1 << (e - 4)) - 1


def percentile(values, p):
    """Nearest rank over the sorted values, reported as its bucket's top."""
    rank = max(1, -(-len(values) * p // 100))
    return bucket_max(bucket(values[rank - 1]))


def _paused_delivery(key, n=1, url="http://127.0.0.1:9/never"):
    """(webhook id, delivery id): a new endpoint with the delivery of one
    published event, paused so that no runner of another test sends it
    while the test loads attempts for it."""
    wh = endpoint(key, url)["id"]
    publish(key, {"n": n})
    assert api("PUT", "/webhooks/%s" % wh, {"enabled": False}, key=key).status == 200
    return wh, api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]


def duration(i):
    # A skewed spread across the exact and the bucketed ranges: most fast,
    # a tail up to ~12 s.
    return (i * 7919) % 90 if i % 5 else (i * 104729) % 12000


def test_every_attempt_counts_and_percentiles_follow_the_histogram():
    slug, key = account()
    # As on an installation that never rolled up (the attempts below are
    # written into hours a runner of another test may have rolled up).
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    wh, dlv = _paused_delivery(key)
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    # N attempts over the last 23 hours, one in ten failed, with ids made
    # 5 ms after each started, as the runner stores them.
    now_ms = int(time.time() * 1000)
    rows = []

    def started_at(i):
        return now_ms - (i % 82800) * 1000 - i % 1000

    for i in range(1, N + 1):
        started = started_at(i)
        ok = i % 10 != 0
        rows.append((time_id("att", started + 5), dlv, acct, wh, i,
                     time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started // 1000))
                     + ".%03d" % (started % 1000), duration(i), "http://127.0.0.1:9/never", "{}",
                     200 if ok else 503, None if ok else "http_status"))
    load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id", "attempt_no",
                                    "started_at", "duration_ms", "request_url", "request_headers",
                                    "response_status", "error_class"), rows)
    values = sorted(duration(i) for i in range(1, N + 1))
    failed = N // 10

    r = api("GET", "/webhooks/analytics", key=key, timeout=60)
    assert r.status == 200, r
    a = r.body
    t = a["totals"]
    assert a["truncated"] is False, a
    assert t["attempts"] == N and t["failed"] == failed and t["succeeded"] == N - failed, t
    assert t["success_rate"] == 90.0, t
    for p in (50, 95, 99):
        assert t["p%d_ms" % p] == percentile(values, p), (p, t, percentile(values, p))
    assert sum(s["attempts"] for s in a["series"]) == N, a["series"]
    assert [(e["webhook_id"], e["attempts"]) for e in a["by_endpoint"]] == [(wh, N)], a
    assert [(e["event_type"], e["attempts"]) for e in a["by_event_type"]] == [("sms.delivered", N)]
    assert a["error_classes"] == [{"error_class": "http_status", "count": failed}], a
    # Filters narrow the same query.
    r = api("GET", "/webhooks/analytics?webhook_id=%s&event_type=sms.delivered" % wh, key=key,
            timeout=60)
    assert r.body["totals"]["attempts"] == N, r.body["totals"]
    r = api("GET", "/webhooks/analytics?event_type=sms.sent", key=key, timeout=60)
    assert r.body["totals"]["attempts"] == 0 and r.body["totals"]["p50_ms"] is None, r.body

    # The same attempts in series of whole hours, and of 5-minute points
    # over two past hours, before any is rolled up.
    hour = now_ms // 3600000 * 3600
    ranges = {"hours": (hour - 22 * 3600, hour + 3600, 23), "fine": (hour - 10 * 3600, hour - 8 * 3600, 24)}

    def query(since, until, buckets):
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        r = api("GET", "/webhooks/analytics?since=%s&until=%s&buckets=%d" % (iso(since), iso(until), buckets),
                key=key, timeout=60)
        assert r.status == 200, r
        return r.body

    raw = {name: query(*rng) for name, rng in ranges.items()}
    for name, (since, until, _) in ranges.items():
        want = sum(1 for i in range(1, N + 1) if since * 1000 <= started_at(i) < until * 1000)
        assert raw[name]["totals"]["attempts"] == want, (name, raw[name]["totals"], want)
    assert raw["fine"]["bucket_seconds"] == 300, raw["fine"]

    # Rolled up (hooklinectl purge rolls up the settled hours first), the
    # whole hours come from attempt_rollups and the rest from the
    # attempts: the same answer, percentiles included (histograms merge
    # exactly). Series of whole hours read the rollups; the others the
    # attempts wherever they are all still stored (here: all), so a
    # rolled-up hour is not piled into the point its start falls in.
    out = ctl("purge").stdout
    assert int(out.split("rolled up ")[1].split()[0]) > 0, out
    rolled = int(sql("SELECT COUNT(*) FROM attempt_rollups WHERE account_id = '%s'" % acct)[0][0])
    assert rolled > 0
    again = api("GET", "/webhooks/analytics?since=%s&until=%s" % (a["since"], a["until"]),
                key=key, timeout=60).body
    for k in ("totals", "series", "by_endpoint", "by_event_type", "error_classes", "truncated"):
        assert again[k] == a[k], (k, again[k], a[k])
    for name, rng in ranges.items():
        assert query(*rng) == raw[name], name
    fine = [p["attempts"] for p in raw["fine"]["series"]]
    assert min(fine) > 0 and max(fine) < 3 * min(fine), fine

    # Points of three hours from half past: each hour wholly in one point
    # comes from its rollup, the five across a point boundary from the
    # attempts. Seen by removing the attempts of one hour of each kind.
    since, until = hour - 19 * 3600 - 1800, hour - 1 * 3600 - 1800
    whole, across = hour - 19 * 3600, hour - 17 * 3600   # the second holds since + 3 h

    starts = [started_at(i) // 1000 for i in range(1, N + 1)]

    def per_point(gone=None):
        pts = [0] * 6
        for s_ in starts:
            if since <= s_ < until and not (gone is not None and gone <= s_ < gone + 3600):
                pts[(s_ - since) // 10800] += 1
        return pts

    assert [p["attempts"] for p in query(since, until, 6)["series"]] == per_point()
    sql("DELETE FROM delivery_attempts WHERE account_id = '%s' AND ((started_at >= FROM_UNIXTIME(%d) "
        "AND started_at < FROM_UNIXTIME(%d)) OR (started_at >= FROM_UNIXTIME(%d) AND started_at < "
        "FROM_UNIXTIME(%d)))" % (acct, whole, whole + 3600, across, across + 3600))
    assert [p["attempts"] for p in query(since, until, 6)["series"]] == per_point(gone=across)


def test_bad_ranges_and_filters_get_a_clear_error():
    """A filter that does not fit its buffer or is badly encoded read as
    absent: the answer silently counted every event type (or webhook, or
    the default range). A day the month does not have was moved into the
    next month (until=2026-02-31 answered up to March 3rd)."""
    from test_dashboard import _admin
    slug, key, s = _admin()
    wh = endpoint(key, "http://127.0.0.1:9/never")["id"]
    # As docs/api.md has it: 422 for times that are not, 400 for the rest.
    cases = (("since=2026-02-31T00:00:00Z&until=2026-03-05T00:00:00Z", "since", 422),
             ("since=2026-02-01T00:00:00Z&until=2026-02-29T00:00:00Z", "until", 422),
             ("since=2026-04-31T00:00:00Z", "since", 422),
             ("since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "until", 422),
             ("event_type=" + "x" * 200, "event_type", 400),
             ("event_type=sms.%zz", "event_type", 400),
             ("webhook_id=" + wh + "x" * 40, "webhook_id", 400),
             ("webhook_id=evt_01hzx3q7f4m2v8k6t9r5n1b0c2", "webhook_id", 400),
             ("since=2026-01-01T00:00:00.0000000000000000000000000Z", "since", 400),
             ("until=%", "until", 400),
             ("buckets=0000000024", "buckets", 400),
             ("buckets=", "buckets", 400),
             ("buckets=121", "buckets", 400))
    for q, field, status in cases:
        r = api("GET", "/webhooks/analytics?" + q, key=key)
        assert r.status == status and r.body["error"]["field"] == field, (q, r)
        assert r.body["error"]["code"] == "invalid_value", (q, r)
    r = api("GET", "/webhooks/analytics?since=2024-02-29T00:00:00Z&until=2024-03-01T00:00:00Z", key=key)
    assert r.status == 200 and r.body["since"] == "2024-02-29T00:00:00Z", r
    for q, field in (("range=custom&since=2026-02-31T00:00", "since"),
                     ("type=" + "x" * 200, "type"), ("type=sms.%zz", "type"),
                     ("webhook_id=%zz", "webhook_id")):
        status, _, body = s.get("/webhook/analytics?" + q)
        assert status == 400 and 'id="err-%s"' % field in body, (q, status, body[-2000:])
        assert "attempts</span>" not in body, q
        status, _, body = s.get("/webhook/analytics.csv?" + q)
        assert status == 400 and not body.startswith("section,"), (q, status)


def test_the_overview_counts_the_day_from_the_rollups():
    """The dashboard's overview counted the last 24 hours of attempts row
    by row (2 s a view at 300,000 attempts a day, on every visit): it now
    reads the rolled-up hours from attempt_rollups, as the analytics do,
    and counts the same. Seen by deleting the attempts of a rolled-up
    hour: they still count."""
    import re
    from test_dashboard import _admin
    slug, key, s = _admin()
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    wh, dlv = _paused_delivery(key)
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    now = int(time.time())
    hour = now // 3600 * 3600 - 3 * 3600
    starts = [hour + 60 * i for i in range(5)] + [now - 120, now - 60, now - 25 * 3600]
    rows = [(time_id("att", t * 1000 + 5), dlv, acct, wh, i + 1,
             time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)), 30, "http://x", "{}",
             503 if i == 2 else 200, "http_status" if i == 2 else None)
            for i, t in enumerate(starts)]
    load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id", "attempt_no",
                                    "started_at", "duration_ms", "request_url", "request_headers",
                                    "response_status", "error_class"), rows)

    def overview():
        status, _, body = s.get("/webhook")
        assert status == 200, body[-2000:]
        m = re.search(r'<span class="num">([^<]*)</span><span class="lbl">success rate '
                      r'\(24 h, (\d+) attempts\)', body)
        assert m, body[-3000:]
        return m.group(1).strip(), int(m.group(2))

    # The rate as a percentage with one decimal everywhere: a plain
    # double printed 85.700000000000003 on the page and in the CSV.
    got = overview()
    assert got == ("85.7 %", 7), got
    r = api("GET", "/webhooks/analytics", key=key)
    assert r.body["totals"]["success_rate"] == 85.7 and b'"success_rate": 85.7,' in r.raw, r.raw[:400]
    status, _, body = s.get("/webhook/analytics")
    assert status == 200 and '<span class="num">85.7 %</span><span class="lbl">success rate' in body
    status, _, body = s.get("/webhook/analytics.csv")
    assert status == 200 and "\r\ntotal,,,7,6,1,85.7,30,30,30\r\n" in body, body[:300]
    ctl("purge")
    assert sql("SELECT COUNT(*) FROM attempt_rollups WHERE account_id = '%s' AND hour = "
               "FROM_UNIXTIME(%d)" % (acct, hour))[0][0] != "0"
    sql("DELETE FROM delivery_attempts WHERE account_id = '%s' AND started_at >= FROM_UNIXTIME(%d) "
        "AND started_at < FROM_UNIXTIME(%d)" % (acct, hour, hour + 3600))
    got = overview()
    assert got == ("85.7 %", 7), got


def test_a_rate_of_100_means_nothing_failed():
    """One failure in 2,000 attempts rounded to 100.0 %, next to
    "failed": 1; one success in 3,000 to 0.0 %."""
    slug, key = account()
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    now = int(time.time())
    for n, failed, want in ((2000, 1, 99.9), (3000, 2999, 0.1), (2000, 0, 100.0), (8, 1, 87.5)):
        wh, dlv = _paused_delivery(key, n)
        load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id",
                                        "attempt_no", "started_at", "duration_ms", "request_url",
                                        "request_headers", "error_class"),
                  [(time_id("att", (now - 60) * 1000 + i), dlv, acct, wh, i + 1,
                    time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now - 60)), 5, "http://x", "{}",
                    "timeout" if i < failed else None) for i in range(n)])
        t = api("GET", "/webhooks/analytics?webhook_id=" + wh, key=key).body["totals"]
        assert (t["attempts"], t["failed"], t["success_rate"]) == (n, failed, want), t


def test_the_order_of_groups_does_not_change_when_hours_roll_up():
    """by_endpoint ties and error_classes came in the order their rows
    did, and rolling up an hour changes that order (its rows then come
    from attempt_rollups, after the partial first hour's). Now: most
    attempts first, ties by id; classes by count, then name."""
    slug, key = account()
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    hooks = []
    for n in range(2):
        hooks.append(_paused_delivery(key, n))
    hooks.sort()
    (low, low_dlv), (high, high_dlv) = hooks
    hour = int(time.time()) // 3600 * 3600 - 5 * 3600
    since, until = hour - 1800, hour + 3 * 3600
    # The higher id in the partial first half hour (2 timeouts), the lower
    # in a whole hour (3 dns errors): 3 attempts each.
    rows = []
    for i, (wh, dlv, at, cls) in enumerate([(high, high_dlv, hour - 600, "timeout")] * 2 +
                                           [(high, high_dlv, hour - 590, None)] +
                                           [(low, low_dlv, hour + 1800, "dns")] * 3):
        rows.append((time_id("att", at * 1000 + 5 + i), dlv, acct, wh, i + 1,
                     time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)), 20, "http://x", "{}", cls))
    load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id", "attempt_no",
                                    "started_at", "duration_ms", "request_url", "request_headers",
                                    "error_class"), rows)
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    path = "/webhooks/analytics?since=%s&until=%s&buckets=1" % (iso(since), iso(until))
    want_eps = [(low, 3), (high, 3)]
    want_classes = [{"error_class": "dns", "count": 3}, {"error_class": "timeout", "count": 2}]
    for rolled in (False, True):
        if rolled:
            ctl("purge")
        a = api("GET", path, key=key).body
        assert [(e["webhook_id"], e["attempts"]) for e in a["by_endpoint"]] == want_eps, (rolled, a)
        assert a["error_classes"] == want_classes, (rolled, a)


def test_range_ends_since_inclusive_until_exclusive_rolled_up_or_not():
    slug, key = account()
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    wh, dlv = _paused_delivery(key)
    hour = int(time.time()) // 3600 * 3600 - 6 * 3600
    since, until = hour - 1234, hour + 3 * 3600 + 321        # off the hour at both ends
    at_ms = [since * 1000 - 1, since * 1000, hour * 1000 - 1, hour * 1000, hour * 1000 + 3599999,
             (hour + 3 * 3600) * 1000, until * 1000 - 1, until * 1000, until * 1000 + 1]
    inside = [since * 1000 <= t < until * 1000 for t in at_ms]
    load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id", "attempt_no",
                                    "started_at", "duration_ms", "request_url", "request_headers"),
              [(time_id("att", t + 5), dlv, acct, wh, i + 1,
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t // 1000)) + ".%03d" % (t % 1000),
                7, "http://x", "{}") for i, t in enumerate(at_ms)])
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    for rolled in (False, True):
        if rolled:
            ctl("purge")
        for buckets in (1, 4, 7, 120):
            a = api("GET", "/webhooks/analytics?since=%s&until=%s&buckets=%d"
                    % (iso(since), iso(until), buckets), key=key).body
            assert a["totals"]["attempts"] == sum(inside), (rolled, buckets, a["totals"])
            assert sum(p["attempts"] for p in a["series"]) == sum(inside), (rolled, buckets)
            # Each attempt in the point its start falls in, where its hour
            # can say (all attempts are still stored here).
            want = [0] * buckets
            step = a["bucket_seconds"]
            for t, ok in zip(at_ms, inside):
                if ok:
                    want[(t // 1000 - since) // step] += 1
            assert [p["attempts"] for p in a["series"]] == want, (rolled, buckets, a["series"])


def test_accounts_see_only_their_own_attempts_and_rollups():
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    hour = int(time.time()) // 3600 * 3600 - 4 * 3600
    accounts = []
    for n in (3, 5):
        slug, key = account()
        acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
        wh, dlv = _paused_delivery(key, n, url="http://127.0.0.1:9/secret-%d" % n)
        load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id",
                                        "attempt_no", "started_at", "duration_ms", "request_url",
                                        "request_headers"),
                  [(time_id("att", (hour + 60 * i) * 1000 + 5), dlv, acct, wh, i + 1,
                    time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(hour + 60 * i)), 9, "http://x",
                    "{}") for i in range(n)] +
                  [(time_id("att", int(time.time() * 1000) - i), dlv, acct, wh, n + i + 1,
                    time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 1)), 9, "http://x",
                    "{}") for i in range(n)])
        accounts.append((key, wh, n))
    for rolled in (False, True):
        if rolled:
            ctl("purge")
        for (key, wh, n), (_, other_wh, _) in zip(accounts, accounts[::-1]):
            a = api("GET", "/webhooks/analytics", key=key).body
            assert a["totals"]["attempts"] == 2 * n, (rolled, a["totals"])
            assert [e["webhook_id"] for e in a["by_endpoint"]] == [wh], a
            b = api("GET", "/webhooks/analytics?webhook_id=" + other_wh, key=key)
            assert b.status == 200 and b.body["totals"]["attempts"] == 0, b
            assert b.body["by_endpoint"] == [] and b"secret-" not in b.raw, b


def test_every_series_point_starts_inside_the_range():
    """Points are whole seconds: 101 s in 60 points are 2 s each, and 51
    of them cover the range; the answer had 60, the last 9 starting
    after until (a chart with empty bars past the end)."""
    slug, key = account()
    for since, until, buckets, want in (("2026-01-01T00:00:00Z", "2026-01-01T00:01:41Z", 60, 51),
                                        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z", 120, 10),
                                        ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", 24, 24),
                                        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 7, 1)):
        a = api("GET", "/webhooks/analytics?since=%s&until=%s&buckets=%d" % (since, until, buckets),
                key=key).body
        assert len(a["series"]) == want, (since, until, buckets, len(a["series"]), a["bucket_seconds"])
        assert all(p["start"] < until for p in a["series"]), a["series"]


def test_the_overview_counts_dead_and_waiting_deliveries_of_the_account_only():
    """Dead letters and waiting deliveries on the overview, counted through
    the account's endpoints (the index that holds just those rows), never
    another account's."""
    import re
    from test_dashboard import _admin
    slug, key, s = _admin()
    _, other = account()
    mine = [endpoint(key, "http://127.0.0.1:9/never")["id"] for _ in range(2)]
    theirs = endpoint(other, "http://127.0.0.1:9/never")["id"]
    for i in range(6):
        publish(key, {"n": i})
        publish(other, {"n": i})
    want = {"dead": 0, "pending": 0}
    for n, (wh, status) in enumerate(zip(mine * 6, ["dead", "paused", "sending", "succeeded",
                                                     "dead", "pending"] * 2)):
        dlv = api("GET", "/webhooks/%s/deliveries?limit=250" % wh, key=key).body["data"][n // 2]
        sql("UPDATE deliveries SET status = '%s' WHERE id = '%s'" % (status, dlv["id"]))
        if status == "dead":
            want["dead"] += 1
        elif status != "succeeded":
            want["pending"] += 1
    sql("UPDATE deliveries SET status = 'dead' WHERE endpoint_id = '%s'" % theirs)
    status, _, body = s.get("/webhook")
    assert status == 200, body[-2000:]
    got = {"dead": re.search(r'<span class="num">(\d+)</span><span class="lbl">dead letters', body),
           "pending": re.search(r'<span class="num">(\d+)</span><span class="lbl">deliveries '
                                r'waiting', body)}
    assert all(got.values()), body[-3000:]
    assert {k: int(v.group(1)) for k, v in got.items()} == want == {"dead": 4, "pending": 6}, got


def test_manage_list_shows_rates_past_200_endpoints():
    """The manage list's 7-day rates came from one analytics query, whose
    by_endpoint holds 200 endpoints: with more than 200 with attempts, the
    others showed no rate on their page."""
    import re
    from test_dashboard import _admin
    slug, key, s = _admin()
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    first = endpoint(key, "http://127.0.0.1:9/quiet")["id"]
    # 250 more endpoints, cloned in SQL (the API's per-key limit would take
    # minutes), with ids before the first's: the query's groups fill in
    # id order, so the first is the one left out, on the list's last page.
    cols = [c for (c,) in sql("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                              "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'endpoints' "
                              "ORDER BY ORDINAL_POSITION")]
    # Ids of the real shape (26 base32 digits), as the list's links carry.
    sel = ["CONCAT('wh_0', LPAD(seq, 25, '0'))" if c == "id" else
           "CONCAT(url, seq)" if c == "url" else c for c in cols]
    sql("INSERT INTO endpoints (%s) SELECT %s FROM endpoints JOIN seq_1_to_250 WHERE id = '%s'"
        % (", ".join(cols), ", ".join(sel), first))
    publish(key, {"n": 1})
    busy = [r[0] for r in sql("SELECT id FROM endpoints WHERE account_id = '%s' AND id <> '%s'"
                              % (acct, first))]
    assert len(busy) == 250, len(busy)
    # Deliveries of the clones too, so that attempts can name them.
    sql("INSERT INTO deliveries (id, account_id, endpoint_id, event_id, event_type, status) "
        "SELECT CONCAT('dl_', SUBSTRING(e.id, 4)), e.account_id, e.id, d.event_id, d.event_type, "
        "'succeeded' FROM endpoints e JOIN deliveries d ON d.endpoint_id = '%s' "
        "WHERE e.account_id = '%s' AND e.id <> '%s'" % (first, acct, first))
    dlv = {r[0]: r[1] for r in sql("SELECT endpoint_id, id FROM deliveries WHERE account_id = '%s'"
                                   % acct)}
    now = time.time()
    rows = [(time_id("att", int(now * 1000) - 60000 + i), dlv[wh], acct, wh, 1,
             time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now - 60)), 30, "http://x", "{}", 200,
             None) for i, wh in enumerate(busy * 2)]
    rows.append((time_id("att", int(now * 1000) - 1000), dlv[first], acct, first, 1,
                 time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now - 60)), 30, "http://x", "{}",
                 503, "http_status"))
    load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id", "attempt_no",
                                    "started_at", "duration_ms", "request_url", "request_headers",
                                    "response_status", "error_class"), rows)
    path, row = "/webhook/manage", None
    for _ in range(10):
        status, _, body = s.get(path)
        assert status == 200, body[-2000:]
        row = re.search(r'<tr>(?:(?!</tr>).)*/manage/%s"(?:(?!</tr>).)*</tr>' % first, body, re.S)
        nxt = re.search(r'href="(/webhook/manage\?iterator=[^"]+)">Next page', body)
        if row or not nxt:
            break
        path = html.unescape(nxt.group(1))
    assert row, body[-3000:]
    rate = re.search(r'data-label="Success \(7 d\)">([^<]*)<', row.group(0))
    assert rate and rate.group(1).strip() == "0.0 %", row.group(0)
