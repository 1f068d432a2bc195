"""Issue 5's whole staff flow through signed Slack requests and the real handlers:
/kyodo new_call → modal → one invalid field (inline error, nothing stored) → fixed → preview →
公開する → the staff channel gets the announcement → App Home shows the new call."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.models import IdeaCall
from tests.conftest import count

TOKYO = ZoneInfo("Asia/Tokyo")


def values_of(blocks: Any) -> dict[str, str]:
    """Button label → value, anywhere in a Block Kit payload."""
    found: dict[str, str] = {}
    if isinstance(blocks, dict):
        if blocks.get("type") == "button" and "value" in blocks:
            found[blocks["text"]["text"]] = blocks["value"]
        for v in blocks.values():
            found.update(values_of(v))
    elif isinstance(blocks, list):
        for v in blocks:
            found.update(values_of(v))
    return found


def form(deadline: datetime) -> dict[str, Any]:
    return {
        "title": {"value": "駅前の 放置自転車を へらしたい"},
        "problem": {"value": "駅前に 自転車が 多く、歩く人が 困っています。"},
        "wanted": {"value": "だれでも できる 工夫"},
        "categories": {"selected_options": [{"value": "machizukuri"}]},
        "deadline": {"selected_date_time": int(deadline.timestamp())},
        "public": {"selected_option": {"value": "yes"}},
    }


def test_staff_open_an_idea_call_end_to_end(make_slack, engine, clock):
    slack = make_slack()
    assert slack.command("UST", "new_call").status_code == 200
    (opened,) = slack.standin.of("views.open")
    view = opened.args["view"]
    assert view["type"] == "modal"

    past = clock.now().astimezone(TOKYO) - timedelta(days=1)
    r = slack.submit("UST", view, form(past))
    assert r.status_code == 200
    body = r.json()
    assert body["response_action"] == "errors" and "deadline" in body["errors"]
    assert count(engine, "idea_call") == 0  # nothing stored, the modal keeps what was typed

    later = clock.now().astimezone(TOKYO) + timedelta(days=14)
    assert slack.submit("UST", view, form(later)).status_code == 200
    preview = slack.standin.of("chat.postMessage") + slack.standin.of("response_url")
    buttons = values_of([c.args.get("blocks") for c in preview])
    assert "公開する" in buttons, buttons
    assert slack.press("UST", buttons["公開する"], channel="D-UST").status_code == 200
    with Session(engine) as db:
        call = db.exec(select(IdeaCall)).one()
    assert call.status == "open"

    slack.drain()
    staff_posts = [p for p in slack.standin.of("chat.postMessage") if p.args["channel"] == "CSTAFF"]
    assert any("駅前の 放置自転車を へらしたい" in str(p.args) for p in staff_posts)

    slack.event({"type": "app_home_opened", "user": "UST", "channel": "D1", "tab": "home"})
    home = slack.standin.of("views.publish")[-1].args["view"]
    assert "駅前の 放置自転車を へらしたい" in str(home)
