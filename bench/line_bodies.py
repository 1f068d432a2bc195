"""Correctly signed, unique LINE webhook bodies (each event id used once per run)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

SECRET = "bench-channel-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(user: str, kind: str, payload: str) -> dict:
    common = {
        "timestamp": 1795914000000,
        "mode": "active",
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": user},
        "replyToken": uuid.uuid4().hex,
    }
    if kind == "text":
        msg = {"type": "text", "id": uuid.uuid4().hex[:18], "quoteToken": "q", "text": payload}
        return {**common, "type": "message", "message": msg}
    return {**common, "type": "postback", "postback": {"data": payload}}


def bodies(n: int, mix: list[tuple[str, str]], users: int = 1000) -> list[tuple[bytes, str]]:
    """``n`` single-event bodies cycling through ``mix`` (kind, payload) and ``users`` users."""
    out = []
    for i in range(n):
        kind, payload = mix[i % len(mix)]
        user = f"U{(i % users):032x}"
        body = json.dumps(
            {"destination": "Ubench", "events": [event(user, kind, payload)]}, ensure_ascii=False
        ).encode()
        out.append((body, sign(body)))
    return out


def lua_script(items: list[tuple[bytes, str]], path: str, *, think_ms: int = 0) -> str:
    """A wrk script that posts each body once in turn and prints a JSON summary at the end."""
    lines = ["local bodies = {"]
    for body, _ in items:
        lines.append("[==[" + body.decode() + "]==],")
    lines.append("}\nlocal sigs = {")
    for _, sig in items:
        lines.append(f'"{sig}",')
    lines.append("}")
    lines.append(
        f"""
local n = #bodies
local counter = 0
local path = "{path}"
function setup(thread) thread:set("offset", 0) end
request = function()
  counter = counter + 1
  local i = (counter - 1) % n + 1
  return wrk.format("POST", path, {{["Content-Type"]="application/json",
    ["X-Line-Signature"]=sigs[i]}}, bodies[i])
end
{"function delay() return " + str(think_ms) + " end" if think_ms else ""}
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write("WRKJSON{{")
  io.write(string.format('"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,',
    summary.requests, summary.duration, errors, summary.errors.status))
  io.write(string.format('"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f',
    latency:percentile(50)/1000, latency:percentile(99)/1000, latency.max/1000, latency.mean/1000))
  io.write("}}\\n")
end
"""
    )
    return "\n".join(lines)
