"""The staff CSV export: an expiring signed link, UTF-8 with BOM, Japanese intact."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import urlsplit

from sqlmodel import select

from bot.core.replies import Form, Text
from handlers.idea_actions import ExportCall, SupportIdea
from storage.db import session_scope
from storage.models import Idea, IdeaCall
from tests.handlers.conftest import call_values, send_idea
from tests.support.conversation import Conversation, buttons_of


def person(runtime, user: str, name: str) -> Conversation:
    c = Conversation(runtime, user=user, name=name)
    c.follow()
    if any(b.label == "同意する" for b in buttons_of(c.last)):
        c.tap("同意する")
    return c


def setup_call(runtime, clock) -> tuple[int, Conversation]:
    staff = Conversation(runtime, user="S-staff", staff=True, name="職員")
    form = next(r for r in staff.command("new_call") if isinstance(r, Form))
    staff.submit(form.data, call_values(clock))
    staff.tap("公開する")
    with session_scope(runtime.engine) as db:
        call_id = db.exec(select(IdeaCall.id)).one()
    a = person(runtime, "U-a", "佐藤 花子")
    b = person(runtime, "U-b", "=HYPERLINK(1)")
    send_idea(a, call_id, "駐輪場に 屋根を つける", reason="雨の日も 使えるように", anonymous=True)
    send_idea(b, call_id, "-1 台ずつ へらす")
    with session_scope(runtime.engine) as db:
        first = db.exec(select(Idea.id).order_by(Idea.id)).first()
    b.press(SupportIdea(first))
    return call_id, staff


def link(staff: Conversation, call_id: int) -> str:
    staff.press(ExportCall(call_id))
    text = next(r.text for r in staff.last if isinstance(r, Text))
    url = next(part for part in text.split() if part.startswith("http"))
    parts = urlsplit(url)
    assert parts.path == f"/exports/idea-calls/{call_id}.csv"
    return f"{parts.path}?{parts.query}"


def test_staff_download_the_ideas_as_csv_with_bom_and_japanese_intact(client, clock):
    runtime = client.app.state.runtime
    call_id, staff = setup_call(runtime, clock)
    response = client.get(link(staff, call_id))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "ID",
        "送った日時",
        "送った人",
        "匿名",
        "アイデア",
        "なぜ・どうやって",
        "状態",
        "区の回答",
        "賛同の数",
    ]
    first, second = rows[1], rows[2]
    assert first[1] == "2026-11-24 10:00"  # ward time
    assert first[2] == "佐藤 花子" and first[3] == "はい"  # staff see who, and the flag
    assert first[4] == "駐輪場に 屋根を つける" and first[5] == "雨の日も 使えるように"
    assert first[6] == "受付" and first[8] == "1"
    assert second[2] == "'=HYPERLINK(1)" and second[4] == "'-1 台ずつ へらす"  # no formulas


def test_expired_forged_or_missing_tokens_get_403(client, clock):
    runtime = client.app.state.runtime
    call_id, staff = setup_call(runtime, clock)
    good = link(staff, call_id)
    path, query = good.split("?")
    params = dict(p.split("=") for p in query.split("&"))

    assert client.get(path).status_code == 403
    forged = f"{path}?exp={params['exp']}&sig={'0' * len(params['sig'])}"
    assert client.get(forged).status_code == 403
    longer = f"{path}?exp={int(params['exp']) + 3600}&sig={params['sig']}"
    assert client.get(longer).status_code == 403
    other_call = f"/exports/idea-calls/{call_id + 1}.csv?{query}"
    assert client.get(other_call).status_code == 403

    clock.advance(timedelta(minutes=14))
    assert client.get(good).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert client.get(good).status_code == 403


def test_residents_get_no_export_link(client, clock):
    runtime = client.app.state.runtime
    call_id, _staff = setup_call(runtime, clock)
    r = person(runtime, "U-c", "住民")
    r.press(ExportCall(call_id))
    assert "区の職員だけ" in r.text and "http" not in r.text
