"""Contract tests: every request LineMessenger and the rich-menu tool make is checked by Prism
against LINE's official OpenAPI spec; any ``sl-violations`` header fails the test.

With CI=true a Prism that cannot be installed or started FAILS the run (never a silent skip).
"""

from __future__ import annotations

import json
import uuid

import pytest
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)

from bot.channels.line.messenger import LineMessenger
from bot.channels.line.richmenu import sync_rich_menu
from bot.core.events import Address, Inbound
from bot.core.ports import DeliveryStatus
from bot.core.replies import Button, Carousel, Choices, DatetimeRequest, Text
from bot.i18n import default_catalog
from tests.channels.line.conftest import messaging_spec
from tests.channels.line.prism import Prism, PrismUnavailable, spec_with_server_errors
from tests.channels.line.test_render import card, data
from tests.conftest import ON_CI

pytestmark = pytest.mark.contract


@pytest.fixture(scope="session")
def prism(tmp_path_factory):
    spec = messaging_spec()
    work = tmp_path_factory.mktemp("prism")
    try:
        if not spec.exists():
            raise PrismUnavailable(f"LINE spec not found at {spec} (set KYODO_LINE_SPEC)")
        server = Prism(spec_with_server_errors(spec, work), work / "prism.log").start()
    except PrismUnavailable as exc:
        if ON_CI:
            pytest.fail(f"Prism is required on CI: {exc}", pytrace=False)
        pytest.skip(f"Prism unavailable: {exc}")
    yield server
    server.stop()


class Watched:
    """An SDK client aimed at Prism that records status and headers of every response."""

    def __init__(self, url: str):
        self.client = AsyncApiClient(Configuration(host=url, access_token="contract-token"))
        self.seen: list[tuple[str, str, int, dict[str, str]]] = []
        original = self.client.rest_client.request

        async def request(method, url, *args, **kwargs):
            try:
                response = await original(method, url, *args, **kwargs)
            except ApiException as exc:
                self._record(method, url, exc.status, exc.headers)
                raise
            self._record(method, url, response.status, response.getheaders())
            return response

        self.client.rest_client.request = request

    def _record(self, method, url, status, headers) -> None:
        lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
        self.seen.append((method, url, status, lowered))

    def prefer(self, code: int) -> None:
        self.client.set_default_header("Prefer", f"code={code}")

    def violations(self) -> list[str]:
        return [
            f"{m} {u} -> {s}: {h['sl-violations']}"
            for m, u, s, h in self.seen
            if "sl-violations" in h
        ]


@pytest.fixture
async def watched(prism):
    w = Watched(prism.url)
    yield w
    await w.client.close()
    assert w.violations() == [], "Prism found requests that violate LINE's spec"


@pytest.fixture
def messenger(watched, engine, clock):
    return LineMessenger(
        AsyncMessagingApi(watched.client),
        engine=engine,
        clock=clock,
        catalog=default_catalog(),
        inline_retry_delays=(0, 0),
    )


EVERY_KIND = [
    Text(text="お知らせ 📣 " * 400),
    Choices(
        text="どの 地区？", buttons=tuple(Button(label=f"{n}丁目", data=data(n)) for n in range(14))
    ),
    Carousel(alt_text="検索結果", cards=tuple(card(n) for n in range(13)), more=card(0).buttons[0]),
    DatetimeRequest(text="日時は？", label="えらぶ", data=data(1), initial="2026-12-01T10:00"),
    Choices(text="つぎは？", buttons=(Button(label="メニュー", data=data(2)),)),
]


async def test_push_of_every_reply_kind_is_valid(messenger, watched):
    delivery = await messenger.push("U" + "a" * 32, EVERY_KIND, retry_key=str(uuid.uuid4()))
    assert delivery.status is DeliveryStatus.SENT
    pushes = [s for s in watched.seen if s[1].endswith("/v2/bot/message/push")]
    assert len(pushes) >= 2 and all(s[2] == 200 for s in pushes)


async def test_reply_then_push_fallback_is_valid(messenger, watched):
    event = Inbound(address=Address(channel="line", user_id="U1"), event_id="e", reply_handle="r")
    await messenger.reply(event, [Text(text=str(i)) for i in range(7)])
    paths = [s[1].rsplit("/", 1)[1] for s in watched.seen]
    assert paths == ["reply", "push"]


async def test_multicast_to_500_is_valid(messenger, watched):
    ids = [f"U{i:032d}" for i in range(501)]
    delivery = await messenger.multicast(ids, [Text(text="お知らせ")], retry_key=str(uuid.uuid4()))
    assert delivery.status is DeliveryStatus.SENT
    assert [s[2] for s in watched.seen] == [200, 200]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (409, DeliveryStatus.SENT),
        (429, DeliveryStatus.RETRY),  # Prism's 429 body is not the monthly-limit message
        (500, DeliveryStatus.RETRY),
        (400, DeliveryStatus.FAILED),
    ],
)
async def test_error_paths_via_prefer(messenger, watched, code, expected):
    watched.prefer(code)
    delivery = await messenger.push("U1", [Text(text="x")], retry_key=str(uuid.uuid4()))
    assert delivery.status is expected
    assert [s[2] for s in watched.seen] == [code]


async def test_rich_menu_tool_is_valid(watched):
    api, blob = AsyncMessagingApi(watched.client), AsyncMessagingApiBlob(watched.client)
    result = await sync_rich_menu(api, blob, default_catalog())
    assert result.created
    ops = [(m, u.split("/v2/bot/", 1)[1]) for m, u, _s, _h in watched.seen]
    assert ("POST", "richmenu") in ops
    assert any(m == "POST" and u.endswith("/content") for m, u in ops)
    assert all(s == 200 for *_x, s, _h in watched.seen)


async def test_the_check_catches_a_violating_request(prism, engine, clock):
    """The contract check can fail: a retry key that is not a UUID breaks LINE's spec."""
    w = Watched(prism.url)
    m = LineMessenger(
        AsyncMessagingApi(w.client), engine=engine, clock=clock, catalog=default_catalog()
    )
    try:
        delivery = await m.push("U1", [Text(text="x")], retry_key="not-a-uuid")
    finally:
        await w.client.close()
    assert delivery.status is DeliveryStatus.FAILED
    (violation,) = w.violations()
    assert "x-line-retry-key" in json.dumps(violation)


async def test_profile_lookup_at_follow_is_valid(watched):
    profile = await AsyncMessagingApi(watched.client).get_profile("U" + "b" * 32)
    assert profile.display_name
    assert [s[2] for s in watched.seen] == [200]
