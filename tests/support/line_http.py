"""The real LineMessenger (SDK client and all) pointed at a LINE stand-in, for outbox tests
and worker subprocesses. Must be built inside a running event loop (aiohttp needs one).

``after_accept`` is a test-only fault hook called after each push/multicast the platform
accepted — the crash tests use it to die between "LINE accepted" and "row marked sent".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

from bot.channels.line.messenger import LineMessenger
from bot.clock import SystemClock
from bot.core.ports import Delivery, DeliveryStatus
from bot.core.replies import Reply
from bot.i18n import default_catalog


class StandInLineMessenger(LineMessenger):
    def __init__(self, base_url: str, engine, *, after_accept: Callable[[], None] | None = None):
        self._client = AsyncApiClient(
            Configuration(host=base_url.rstrip("/"), access_token="test-token")
        )
        super().__init__(
            AsyncMessagingApi(self._client),
            engine=engine,
            clock=SystemClock(),
            catalog=default_catalog(),
            inline_retry_delays=(),
        )
        self.after_accept = after_accept

    def _accepted(self, delivery: Delivery) -> Delivery:
        if delivery.status is DeliveryStatus.SENT and self.after_accept is not None:
            self.after_accept()
        return delivery

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        return self._accepted(await super().push(external_id, replies, retry_key=retry_key))

    async def multicast(
        self, external_ids: Sequence[str], replies: Sequence[Reply], *, retry_key: str
    ) -> Delivery:
        return self._accepted(await super().multicast(external_ids, replies, retry_key=retry_key))

    async def aclose(self) -> None:
        await self._client.close()
