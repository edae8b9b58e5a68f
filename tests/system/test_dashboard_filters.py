"""The dashboard's list filters, read and checked alike (hl_page_filters):
a filter that cannot be valid is an inline error with what was typed
kept, and a 400, never a list that looks like its answer."""

import html
import re
import time
import urllib.parse

from hltest import api, sql, time_id
from test_dashboard import _admin, _create, _field_error, _input_value, _tidy_ok


def _publish(key, n=1, event_type="sms.delivered"):
    for i in range(n):
        r = api("POST", "/webhooks/publish", {"event_type": event_type, "payload": {"n": i}},
                key=key)
        assert r.status == 202, r
    return r.body["id"]


def test_an_empty_time_range_is_an_inline_error_on_deliveries_and_events():
    """since later than until (the two swapped) said "nothing matches" on
    Deliveries and Events; Analytics and the API refuse it."""
    slug, key, s = _admin()
    _create(s, "http://127.0.0.1:9/r")
    evt = _publish(key)
    for page in ("/webhook/deliveries", "/webhook/events"):
        for since, until in (("2026-12-05T00:00", "2026-12-01T00:00"),
                             ("2026-12-01T00:00", "2026-12-01T00:00")):
            status, _, body = s.get("%s?since=%s&until=%s" % (page, since, until))
            assert status == 400, (page, since, status)
            assert _field_error(body, "until") == "until must be later than since", body[-3000:]
            assert "match these filters" not in body, page
            assert _input_value(body, "since") == since and _input_value(body, "until") == until
            _tidy_ok(body)
        status, _, body = s.get(page + "?since=2000-01-01T00:00&until=2100-01-01T00:00")
        assert status == 200 and evt in body or "dlv_" in body, (page, body[-3000:])
    # The bulk retry with the same range queues nothing.
    status, _, body = s.post("/webhook/deliveries/retry", {"since": "2026-12-05T00:00",
                                                           "until": "2026-12-01T00:00"})
    assert status == 400 and "nothing was retried" in body, (status, body[-2000:])


def test_an_event_type_filter_that_is_no_type_name_is_an_inline_error():
    """?type=Bad Type searched for it and said nothing matched."""
    slug, key, s = _admin()
    for page in ("/webhook/events", "/webhook/deliveries", "/webhook/analytics"):
        for typed in ("Bad Type", "SMS.delivered", "sms", "a" * 129 + ".b", "sms.delivered;"):
            status, _, body = s.get(page + "?type=" + urllib.parse.quote(typed))
            assert status == 400, (page, typed, status)
            assert "not an event type name" in (_field_error(body, "type") or ""), (page, typed)
            assert _input_value(body, "type") == typed, (page, typed)
        _tidy_ok(body)
    # Names and (on Events) families still search.
    for page, typed in (("/webhook/events", "sms.delivered"), ("/webhook/events", "sms.*"),
                        ("/webhook/events", "my-fam_1.x.y"), ("/webhook/deliveries", "sms.delivered"),
                        ("/webhook/analytics", "sms.delivered")):
        status, _, body = s.get(page + "?type=" + urllib.parse.quote(typed))
        assert status == 200 and _field_error(body, "type") is None, (page, typed, status)


def test_a_health_filter_is_refused_however_long():
    """?health=bogus was a 400 error page, and a ~30-character value
    (too long for its buffer) read as none and listed every endpoint."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/h")
    for typed in ("bogus", "failing" + "x" * 25):
        status, _, body = s.get("/webhook/manage?health=" + typed)
        assert status == 400, (typed, status)
        assert wh not in body, typed
        assert 'id="err-health"' in body and "failing or disabled" in body, body[-2000:]
        assert '<a href="/webhook/manage">Show all</a>' in body
        _tidy_ok(body)
    status, _, body = s.get("/webhook/manage?health=failing")
    assert status == 200 and "Showing only the enabled endpoints" in body


def test_incoming_filters_are_refused_not_shown_as_applied():
    """?outcome=bogus said "Showing bogus requests.", ?since=bad said
    "... since bad UTC", and a long outcome listed every request."""
    slug, key, s = _admin()
    src = api("POST", "/webhooks/sources", {"verify": "none", "name": "F", "allowed_cidrs": "127.0.0.0/8"}, key=key).body
    r = api("POST", "/webhooks/incoming/" + src["slug"], raw=b'{"a": 1}', key=None,
            headers={"Content-Type": "application/json"})
    assert r.status in (200, 202), r
    inc = sql("SELECT id FROM incoming_requests WHERE source_id = '%s'" % src["id"])[0][0]
    for q, field in (("outcome=bogus", "outcome"), ("outcome=" + "r" * 40, "outcome"),
                     ("since=bad", "since")):
        status, _, body = s.get("/webhook/incoming?" + q)
        assert status == 400, (q, status)
        assert "Showing" not in body and "since bad UTC" not in body, q
        assert _field_error(body, field), (q, body[-2000:])
        assert inc not in body, q
        _tidy_ok(body)
    status, _, body = s.get("/webhook/incoming/%s?outcome=bogus" % src["id"])
    assert status == 400 and _field_error(body, "outcome") and inc not in body, status
    status, _, body = s.get("/webhook/incoming?outcome=accepted")
    assert status == 200 and "Showing accepted requests" in body and inc in body


def test_a_stale_iterator_says_so_and_offers_the_first_page():
    """A changed or foreign ?iterator= started the list again at page 1
    (or ended it), unsaid."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/i")
    _publish(key)
    src = api("POST", "/webhooks/sources", {"verify": "none", "name": "I", "allowed_cidrs": "127.0.0.0/8"}, key=key).body
    foreign = time_id("src", time.time() * 1000)
    for path, good in (("/webhook/deliveries", "dlv_"), ("/webhook/events", "evt_"),
                       ("/webhook/manage", wh), ("/webhook/incoming", None),
                       ("/webhook/incoming/" + src["id"], None)):
        for it in ("bogus", foreign, "dlv_" + "z" * 60):
            status, _, body = s.get(path + "?iterator=" + it + "&type=sms.delivered")
            assert status == 400, (path, it, status)
            m = re.search(r'id="err-iterator">[^<]*out of date[^<]*<a href="([^"]+)">'
                          r'Start again at page 1</a>', body)
            assert m, (path, body[-3000:])
            assert m.group(1).replace("&amp;", "&") == path + "?type=sms.delivered", m.group(1)
            if good:
                assert good not in body.split('id="err-iterator"')[1].split("</p>", 1)[1], path
            _tidy_ok(body)


def test_an_unknown_analytics_range_is_an_inline_error():
    """?range=bogus showed the last 24 hours, unsaid."""
    slug, key, s = _admin()
    status, _, body = s.get("/webhook/analytics?range=bogus")
    assert status == 400, status
    assert "24h, 7d, 30d or custom" in (_field_error(body, "range") or ""), body[-3000:]
    assert "attempts</span>" not in body
    _tidy_ok(body)
    assert s.get("/webhook/analytics.csv?range=bogus")[0] == 400
    assert s.get("/webhook/analytics?range=7d")[0] == 200
    status, _, body = s.get("/webhook/analytics?range=custom&since=2026-12-05T00:00"
                            "&until=2026-12-01T00:00")
    assert status == 400 and _field_error(body, "until") == "until must be later than since"


def test_testing_names_an_endpoint_that_is_not_the_accounts():
    """?webhook_id=wh_nope (or another account's) was dropped unsaid."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/t")
    other_slug, other_key, other = _admin()
    theirs, _ = _create(other, "http://127.0.0.1:9/o")
    for typed in ("wh_nope", theirs):
        status, _, body = s.get("/webhook/testing?webhook_id=" + typed)
        assert status == 400, (typed, status)
        assert "not one of this account's webhooks" in html.unescape(
            _field_error(body, "webhook_id") or ""), body[-3000:]
        _tidy_ok(body)
    status, _, body = s.get("/webhook/testing?webhook_id=" + wh)
    assert status == 200 and _field_error(body, "webhook_id") is None
    assert re.search(r'<option value="%s" selected>' % wh, body), body[-3000:]
