"""Shared helpers of the system tests (not a test module)."""


from hltest import api, new_account, sql  # noqa: F401 (sql is re-exported)

EVENT = "sms.delivered"


def endpoint(key, url, event_types=(EVENT,), **extra):
    body = {"url": url, "event_types": list(event_types)}
    body.update(extra)
    r = api("POST", "/webhooks", body, key=key)
    assert r.status == 201, r
    return r.body


def publish(key, payload, event_type=EVENT, status=202, headers=None):
    r = api("POST", "/webhooks/publish", {"event_type": event_type, "payload": payload},
            key=key, headers=headers)
    assert r.status == status, r
    return r.body


def error_code(r):
    assert isinstance(r.body, dict) and isinstance(r.body.get("error"), dict), r
    return r.body["error"]["code"]


def account():
    """(slug, admin key) of a fresh account."""
    return new_account("api")
