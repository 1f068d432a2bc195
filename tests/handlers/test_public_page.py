"""GET /public after real conversations: only public items, no personal data, small cells
shown as 「3未満」, every indicator with a chart and its table, no script and no CDN."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.core.replies import Form
from handlers import initiative_actions as a
from handlers.idea_actions import AnswerForm, MakeInitiative
from handlers.moderation import Decide
from storage.db import session_scope
from storage.models import Idea, IdeaCall
from tests.handlers.conftest import call_values, send_idea
from tests.handlers.test_outcome_ledger import complete
from tests.support.adopt import publish_prefilled
from tests.support.initiatives import latest, post

INDICATORS = ("initiatives", "participants", "ideas_adopted", "new_combinations")


@pytest.fixture
def outcomes(people, staff, resident, engine, clock):
    """Two completed initiatives (one later hidden) and an adopted idea, all through chat."""
    owner = people("U-owner-77", "はなこ")
    owner.press(a.CreateOrganisation())
    owner.tap("町会・自治会")
    owner.say("阿佐谷北町会")
    post(owner, title="公園の 防災訓練", as_name="阿佐谷北町会")
    shown = latest(engine)
    for user, name in (("U-taro-77", "たろう"), ("U-jiro-77", "じろう")):
        people(user, name).press(a.Join(shown.id))
    complete(owner, shown.id)
    post(owner, title="ひみつの 取組", as_name="阿佐谷北町会")
    secret = latest(engine)
    complete(owner, secret.id)
    staff.press(Decide("initiative", secret.id, "keep"))

    form = next(r for r in staff.command("new_call") if isinstance(r, Form))
    staff.submit(form.data, call_values(clock))
    staff.tap("公開する")
    with session_scope(engine) as db:
        call_id = db.exec(select(IdeaCall.id)).one()
    author = resident("U-author-77", "鈴木")
    send_idea(author, call_id, "朝だけ 臨時の 駐輪場を ひらく")
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()
    staff.submit(AnswerForm(idea_id), {"status": "adopted", "answer": "来月から 試します。"})
    staff.press(MakeInitiative(idea_id))
    publish_prefilled(staff)  # the prefilled modal, confirmed (issue 16)
    return shown, secret


def test_public_page_in_japanese_shows_public_outcomes_only(client, outcomes):
    page = client.get("/public")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="ja">' in html
    assert "<h1>杉並区の協働の成果</h1>" in html
    assert "公園の 防災訓練" in html and "阿佐谷北町会" in html
    assert "公園で 消火器の 使い方を 練習しました" in html  # the results report
    assert "ひみつの 取組" not in html  # hidden
    assert "参加者 3未満" in html  # 2 people: a small cell
    assert "朝だけ 臨時の 駐輪場を ひらく" in html and "来月から 試します。" in html
    for secret in ("たろう", "じろう", "鈴木", "はなこ", "U-owner-77", "U-taro-77", "U-author"):
        assert secret not in html, secret
    for code in INDICATORS:
        block = re.search(rf'data-indicator="{code}".*?</article>', html, re.DOTALL)
        assert block is not None, code
        assert "<svg" in block.group(0) and 'class="indicator-table"' in block.group(0)
    # completed: 1 public (the hidden one is not counted in public numbers)
    headline = re.search(r'class="headline">(.*?)</ul>', html, re.DOTALL).group(1)
    assert "完了した取組<strong>1</strong>" in headline
    assert "<script" not in html and "<link" not in html and 'src="http' not in html
    assert "@media print" in html and "@page { size: A4" in html


def test_public_page_in_english(client, outcomes):
    html = client.get("/public", params={"lang": "en"}).text
    assert '<html lang="en">' in html
    assert "Collaboration outcomes in Suginami City" in html
    assert "fewer than 3 participants" in html
    assert "Plan targets and actuals" in html
