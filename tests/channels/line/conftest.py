"""LINE fixtures: a stand-in LINE API, the app with LINE enabled, signed webhook bodies that
follow LINE's webhook.yml (checked against the spec's required fields)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.app import create_app
from tests.channels.line.standin import LineStandIn
from tests.support.optional_parts import line_messaging_spec, line_spec_dir

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
ROOT = Path(__file__).resolve().parents[3]
SPEC_ENV = "KYODO_LINE_SPEC"


def spec_dir() -> Path:
    """LINE's OpenAPI specs (see tests/support/optional_parts.py for where they are looked for)."""
    return line_spec_dir()


def messaging_spec() -> Path:
    return line_messaging_spec()


# ---------------------------------------------------------------- webhook.yml check

_webhook_schemas: dict[str, Any] | None = None


def _schemas() -> dict[str, Any]:
    global _webhook_schemas
    if _webhook_schemas is None:
        with (spec_dir() / "webhook.yml").open(encoding="utf-8") as fh:
            _webhook_schemas = yaml.safe_load(fh)["components"]["schemas"]
    return _webhook_schemas


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = _schemas()[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _flatten(schema: dict) -> tuple[set[str], dict[str, dict], dict | None]:
    schema = _resolve(schema)
    required = set(schema.get("required", []))
    props = dict(schema.get("properties", {}))
    discriminator = schema.get("discriminator")
    for part in schema.get("allOf", []):
        r, p, d = _flatten(part)
        required |= r
        props.update(p)
        discriminator = discriminator or d
    return required, props, discriminator


def spec_problems(value: Any, schema: dict, path: str = "$") -> list[str]:
    """Missing required fields of ``value`` under a webhook.yml schema (follows discriminators)."""
    required, props, discriminator = _flatten(schema)
    if not isinstance(value, dict):
        return []
    if discriminator:
        target = discriminator.get("mapping", {}).get(value.get(discriminator["propertyName"]))
        if target:
            required2, props2, _ = _flatten({"$ref": target})
            required |= required2
            props.update(props2)
    problems = [f"{path}.{name} is required" for name in sorted(required) if name not in value]
    for name, sub in props.items():
        if name in value:
            sub = _resolve(sub)
            if sub.get("type") == "array" and isinstance(value[name], list):
                for i, item in enumerate(value[name]):
                    problems += spec_problems(item, sub.get("items", {}), f"{path}.{name}[{i}]")
            else:
                problems += spec_problems(value[name], sub, f"{path}.{name}")
    return problems


# ---------------------------------------------------------------- bodies

_ids = itertools.count(1)


def event_id() -> str:
    return f"01JLINE{next(_ids):019d}"


def _common(kind: str, user: str, *, redelivery: bool = False, eid: str | None = None) -> dict:
    return {
        "type": kind,
        "timestamp": 1795914000000,
        "mode": "active",
        "webhookEventId": eid or event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
        "source": {"type": "user", "userId": user},
    }


def text_event(user: str, text: str, **kw: Any) -> dict:
    token = kw.pop("reply_token", f"token-{next(_ids)}")
    return {
        **_common("message", user, **kw),
        "replyToken": token,
        "message": {"type": "text", "id": str(next(_ids)), "quoteToken": "q", "text": text},
    }


def follow_event(user: str, **kw: Any) -> dict:
    token = kw.pop("reply_token", f"token-{next(_ids)}")
    return {**_common("follow", user, **kw), "replyToken": token, "follow": {"isUnblocked": False}}


def unfollow_event(user: str, **kw: Any) -> dict:
    return _common("unfollow", user, **kw)


def postback_event(user: str, data: str, params: dict | None = None, **kw: Any) -> dict:
    token = kw.pop("reply_token", f"token-{next(_ids)}")
    postback: dict[str, Any] = {"data": data}
    if params is not None:
        postback["params"] = params
    return {**_common("postback", user, **kw), "replyToken": token, "postback": postback}


def sticker_event(user: str, **kw: Any) -> dict:
    token = kw.pop("reply_token", f"token-{next(_ids)}")
    return {
        **_common("message", user, **kw),
        "replyToken": token,
        "message": {
            "type": "sticker",
            "id": str(next(_ids)),
            "quoteToken": "q",
            "packageId": "446",
            "stickerId": "1988",
            "stickerResourceType": "STATIC",
        },
    }


def body_of(*events: dict) -> bytes:
    payload = {"destination": "U0000000000000000000000000000bot", "events": list(events)}
    problems = spec_problems(payload, {"$ref": "#/components/schemas/CallbackRequest"})
    assert problems == [], problems
    return json.dumps(payload, ensure_ascii=False).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def line_api():
    standin = LineStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def line_settings(settings, line_api):
    return settings.model_copy(
        update={
            "line_channel_secret": SECRET,
            "line_channel_access_token": TOKEN,
            "line_api_base_url": line_api.url,
            "simulator": False,  # no personas: counts in these tests are LINE's alone
        }
    )


@pytest.fixture
def line_app(line_settings, engine, clock):
    return create_app(line_settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)


class LineClient:
    """The app under a TestClient, with helpers to post signed bodies and wait for tasks."""

    def __init__(self, client: TestClient):
        self.client = client
        self.runtime = client.app.state.runtime

    @property
    def channel(self):
        return self.runtime.line

    def post(self, body: bytes, signature: str | None = "sign", **headers: str):
        if signature == "sign":
            signature = sign(body)
        if signature is not None:
            headers["X-Line-Signature"] = signature
        headers.setdefault("Content-Type", "application/json")
        return self.client.post("/line/webhook", content=body, headers=headers)

    def send(self, *events: dict):
        response = self.post(body_of(*events))
        self.drain()
        return response

    def drain(self) -> None:
        self.client.portal.call(self.channel.drain)

    def call(self, fn, *args):
        return self.client.portal.call(fn, *args)


@pytest.fixture
def line(line_app):
    with TestClient(line_app) as client:
        yield LineClient(client)
