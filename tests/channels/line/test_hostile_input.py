"""Hostile input: anything a phone or the internet can send, through correctly signed (and
tampered) LINE webhooks into the real app and store.

After every generated example: no 5xx, no unhandled exception, database invariants hold
(each handled event recorded once, one person per LINE user, no orphan rows), and every text
sent to a person comes from the message catalog.
"""

from __future__ import annotations

import json
import logging
import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.core.actions import pack
from bot.i18n import default_catalog
from handlers.common import Menu
from tests.channels.line.conftest import (
    event_id,
    follow_event,
    postback_event,
    sign,
    sticker_event,
    text_event,
    unfollow_event,
)

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

nasty_chars = st.sampled_from(
    [
        "\u200b",
        "\u200d",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\x00",
        "\x07",
        "\x1b",
        "\r",
        "\t",
        "👨‍👩‍👧‍👦",
        "🏳️‍🌈",
        "🇯🇵",
        "ｶﾞ",
        "𠮷",
        "\ud7ff",
        "\U0010ffff",
        "%s",
        "{0}",
        "{name}",
        "'; --",
    ]
)
texts = st.one_of(
    st.text(max_size=80),
    st.lists(nasty_chars, max_size=20).map("".join),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["あ", "a", "😀", "\u200b"]), st.integers(1, 100_000)
    ),
    st.sampled_from(["やめる", "ヘルプ", "english", "日本語", "マイデータ", "つづける", " ", ""]),
)
valid_data = st.sampled_from([pack(Menu(n)) for n in ("help", "menu", "browse", "me", "nope")])
tampered = st.one_of(
    st.text(max_size=300),
    valid_data.map(lambda d: d[:-1]),
    valid_data.map(lambda d: d.replace("k1:", "k9:")),
    st.builds(lambda d, s: d + s, valid_data, st.text(alphabet=string.printable, max_size=20)),
    st.just("k1:c:" + "x" * 400),
)
users = st.sampled_from([f"U{i:032x}" for i in range(4)])


@st.composite
def events(draw):
    user = draw(users)
    kind = draw(
        st.sampled_from(
            [
                "text",
                "postback",
                "bad_postback",
                "follow",
                "unfollow",
                "sticker",
                "unknown",
                "standby",
            ]
        )
    )
    if kind == "text":
        ev = text_event(user, draw(texts))
    elif kind == "postback":
        ev = postback_event(user, draw(valid_data))
    elif kind == "bad_postback":
        params = draw(
            st.none()
            | st.dictionaries(
                st.sampled_from(["datetime", "date", "x"]), st.text(max_size=20), max_size=2
            )
        )
        ev = postback_event(user, draw(tampered), params)
    elif kind == "follow":
        ev = follow_event(user)
    elif kind == "unfollow":
        ev = unfollow_event(user)
    elif kind == "sticker":
        ev = sticker_event(user)
    else:
        ev = text_event(user, "ヘルプ")
        if kind == "unknown":
            ev["type"] = draw(st.sampled_from(["futureEvent", "membership", "x" * 50]))
            ev["surprise"] = {"nested": [1, None, "\u202e"]}
        else:
            ev["mode"] = "standby"
    ev["timestamp"] = draw(st.integers(0, 2**41))  # out of order
    return ev


def catalog_patterns() -> list[re.Pattern]:
    catalog = default_catalog()
    patterns = []
    for key in catalog.message_keys():
        for template in catalog.raw(key).values():
            parts = re.split(r"\{[a-z_]+\}", template)
            if len(re.sub(r"[\W_]", "", "".join(parts))) < 2:
                continue  # a bare fragment like "{when} {title}" would match anything
            patterns.append(re.compile(".*".join(re.escape(p) for p in parts), re.S))
    return patterns


PATTERNS = catalog_patterns()


def from_catalog(message: str) -> bool:
    return any(p.fullmatch(message) for p in PATTERNS) or any(
        p.fullmatch(chunk) for p in PATTERNS for chunk in message.split("\n\n")
    )


def check_invariants(line, engine, sent_ids: set[str]) -> None:
    with engine.connect() as conn:
        processed = {
            r[0]
            for r in conn.execute(text("SELECT event_id FROM processed_event WHERE channel='line'"))
        }
        people = conn.execute(text("SELECT count(*) FROM person")).scalar_one()
        accounts = conn.execute(
            text("SELECT count(DISTINCT external_id) FROM channel_account")
        ).scalar_one()
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM channel_account a LEFT JOIN person p ON p.id = a.person_id WHERE p.id IS NULL"
            )
        ).scalar_one()
    assert processed <= sent_ids  # nothing recorded that wasn't sent
    assert people == accounts  # one person per LINE user, none half-created
    assert orphans == 0
    checked = 0
    for request in line.channel_requests():
        for message in request.get("messages", []):
            if message.get("type") == "text":
                assert from_catalog(message["text"]), message["text"][:80]
                checked += 1
            for item in (message.get("quickReply") or {}).get("items", []):
                assert from_catalog(item["action"]["label"]), item["action"]["label"]
    return checked


def _requests(line):
    return [r.body for r in line.standin.requests if isinstance(r.body, dict)]


@HYPOTHESIS
@given(batch=st.lists(events(), min_size=1, max_size=5), duplicate=st.booleans())
def test_signed_hostile_bodies_never_break_anything(
    line, engine, line_api, caplog, batch, duplicate
):
    line.standin = line_api
    line.channel_requests = lambda: _requests(line)
    if duplicate:
        batch = [*batch, dict(batch[0])]  # the same webhookEventId twice in one body
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = line.post(
            json.dumps({"destination": "Ubot", "events": batch}, ensure_ascii=False).encode()
        )
        line.drain()
    assert response.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records
    ]
    sent = getattr(line, "sent_ids", set()) | {e["webhookEventId"] for e in batch}
    line.sent_ids = sent
    check_invariants(line, engine, sent)
    line.checked = max(getattr(line, "checked", 0), check_invariants(line, engine, sent))


@HYPOTHESIS
@given(
    payload=st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode), signed=st.booleans()
)
def test_garbage_bodies_are_refused_cleanly(line, engine, payload, signed):
    response = line.post(payload, signature=sign(payload) if signed else "bogus")
    assert response.status_code in (200, 400)
    if not signed:
        assert response.status_code == 400


@HYPOTHESIS
@given(ev=events(), flip=st.integers(0, 200))
def test_tampered_bodies_change_nothing(line, engine, line_api, ev, flip):
    body = json.dumps({"destination": "Ubot", "events": [ev]}, ensure_ascii=False).encode()
    signature = sign(body)
    pos = flip % len(body)
    tampered_body = body[:pos] + bytes([body[pos] ^ 0x01]) + body[pos + 1 :]
    before = len(line_api.requests)
    response = line.post(tampered_body, signature=signature)
    line.drain()
    assert response.status_code == 400
    assert len(line_api.requests) == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM processed_event WHERE event_id = :e"),
                {"e": ev["webhookEventId"]},
            ).scalar_one()
            == 0
        )


# ---------------------------------------------------------------- nesting depth and encodings
MAX_DEPTH = 64  # bot/http_json.py's cap; LINE payloads are about 6 deep


@st.composite
def nested_bodies(draw) -> tuple[bytes, int]:
    """A LINE callback with one field nested ``depth`` levels (arrays, objects or a mix)."""
    depth = draw(st.one_of(st.integers(1, 80), st.integers(80, 5_000), st.just(100_000)))
    kinds = draw(st.lists(st.sampled_from("[{"), min_size=1, max_size=4))
    opened, closed = [], []
    for i in range(depth):
        kind = kinds[i % len(kinds)]
        opened.append("[" if kind == "[" else '{"k":')
        closed.append("]" if kind == "[" else "}")
    inner = (
        "".join(opened)
        + draw(st.sampled_from(["1", '"x"', "null", '"[[{{"']))
        + "".join(reversed(closed))
    )
    event = json.dumps(text_event(draw(users), "ヘルプ"))
    body = '{"destination":"Ubot","events":[' + event[:-1] + ',"deep":' + inner + "}]}"
    return body.encode(), depth + 3  # the body, events list and event add three levels


INVALID_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\x80",  # a lone continuation byte
    b"\xc0\xaf",  # an overlong "/"
    b"\xe0\x80\xaf",  # an overlong "/" in three bytes
    b"\xed\xa0\x80",  # a UTF-16 surrogate encoded as UTF-8
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xe3\x81",  # a truncated あ
    b"\xf8\x88\x80\x80\x80",  # a five-byte form
]
invalid_encodings = st.one_of(
    st.builds(
        lambda body, bad, at: body[: at % len(body)] + bad + body[at % len(body) :],
        st.just(json.dumps({"destination": "Ubot", "events": []}).encode()),
        st.sampled_from(INVALID_UTF8),
        st.integers(0, 200),
    ),
    st.builds(
        lambda text, codec: json.dumps(
            {"destination": "Ubot", "events": [text_event("U" + "9" * 32, text)]},
            ensure_ascii=False,
        ).encode(codec, "replace"),
        st.sampled_from(["ヘルプ", "やめる", "日本語", "𠮷野家", "café ヘルプ"]),
        st.sampled_from(["shift_jis", "euc_jp", "utf-16", "utf-16-le", "utf-32", "latin-1"]),
    ).filter(lambda b: not _is_utf8(b)),
)


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _stored(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("inbox_event", "processed_event", "person")
        )


@HYPOTHESIS
@given(case=nested_bodies(), signed=st.booleans())
def test_deeply_nested_bodies_are_refused_cleanly(line, engine, caplog, case, signed):
    body, depth = case
    before = _stored(engine)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = line.post(body, signature=sign(body) if signed else "bogus")
        line.drain()
    assert response.status_code < 500
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if not signed or depth > MAX_DEPTH:
        assert response.status_code == 400
        assert _stored(engine) == before
    else:
        assert response.status_code == 200  # shallow enough: an ordinary callback


@HYPOTHESIS
@given(body=invalid_encodings, signed=st.booleans())
def test_invalid_encodings_are_refused_cleanly(line, engine, caplog, body, signed):
    before = _stored(engine)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = line.post(body, signature=sign(body) if signed else "bogus")
        line.drain()
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert _stored(engine) == before


def test_a_100kb_message_is_answered_without_error(line, line_api):
    ev = text_event("U" + "1" * 32, "あ" * 100_000)
    assert line.send(ev).status_code == 200
    replies = line_api.calls("reply")
    assert replies and all(
        from_catalog(m["text"]) for m in replies[-1].body["messages"] if m["type"] == "text"
    )


def test_the_catalog_check_can_fail():
    assert from_catalog(default_catalog().text("common.unknown", "ja"))
    assert not from_catalog("Traceback (most recent call last):")
    assert event_id() != event_id()


def test_answers_are_really_checked(line, engine, line_api):
    """The invariant check sees the texts LINE was sent (so the suite above can fail)."""
    line.send(text_event("U" + "2" * 32, "なにか"))
    line.standin = line_api
    line.channel_requests = lambda: _requests(line)
    assert check_invariants(line, engine, {e for e in _sent(engine)}) >= 1
    line_api.requests[-1].body["messages"].append({"type": "text", "text": "Traceback: boom"})
    try:
        check_invariants(line, engine, set(_sent(engine)))
    except AssertionError:
        return
    raise AssertionError("a non-catalog text passed the check")


def _sent(engine):
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT event_id FROM processed_event"))]
