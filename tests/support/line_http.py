"""A minimal LINE messenger for tests: LINE's push/multicast JSON with X-Line-Retry-Key over
HTTP (httpx). Stands in until the real LineMessenger is merged; the outbox sees the same
Messenger/Multicaster protocol either way."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from bot.core.events import Inbound
from bot.core.ports import Delivery, DeliveryStatus
from bot.core.replies import Reply
from tests.support.conversation import texts_of


def status_of(code: int) -> DeliveryStatus:
    if 200 <= code < 300 or code == 409:
        return DeliveryStatus.SENT
    if code == 429 or code >= 500:
        return DeliveryStatus.RETRY
    return DeliveryStatus.FAILED


class HttpLineMessenger:
    channel = "line"
    max_recipients = 500

    def __init__(self, base_url: str, token: str = "test-token", *, after_accept=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.after_accept = after_accept  # test fault hook: called after each 2xx response
        self.client = httpx.AsyncClient(timeout=10)

    async def reply(self, event: Inbound, replies: Sequence[Reply]) -> None:
        return None

    def _messages(self, replies: Sequence[Reply]) -> list[dict]:
        return [{"type": "text", "text": texts_of([r])[:5000] or "-"} for r in replies][:5]

    async def _post(self, path: str, body: dict, retry_key: str) -> Delivery:
        try:
            response = await self.client.post(
                self.base_url + path,
                json=body,
                headers={"Authorization": f"Bearer {self.token}", "X-Line-Retry-Key": retry_key},
            )
        except httpx.HTTPError as exc:
            return Delivery(DeliveryStatus.RETRY, f"network: {type(exc).__name__}")
        delivery = Delivery(status_of(response.status_code), str(response.status_code))
        if 200 <= response.status_code < 300 and self.after_accept is not None:
            self.after_accept()
        return delivery

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        body = {"to": external_id, "messages": self._messages(replies)}
        return await self._post("/v2/bot/message/push", body, retry_key)

    async def multicast(
        self, external_ids: Sequence[str], replies: Sequence[Reply], *, retry_key: str
    ) -> Delivery:
        body = {"to": list(external_ids), "messages": self._messages(replies)}
        return await self._post("/v2/bot/message/multicast", body, retry_key)

    async def aclose(self) -> None:
        await self.client.aclose()
