"""An idea's card in its call's ``#staff`` thread is one message, edited in place.

A resident sends an idea (the card is posted in the call's thread and its ts remembered);
supports, answers and hiding then edit that message through the outbox (``chat.update``)
instead of posting the card again.
"""

from __future__ import annotations

import json

from sqlmodel import Session, select

from handlers.idea_actions import SupportIdea
from handlers.moderation import ReportItem
from storage.models import Idea, StaffThread
from storage.queries.ideas import card_key, thread_key
from tests.channels.slack.test_answer_language import answer, answer_modal, open_call
from tests.channels.slack.test_console import fast_home
from tests.handlers.conftest import send_idea
from tests.support.initiatives import People


def card_ts(engine, call_id: int, idea_id: int) -> str:
    with Session(engine) as db:
        card = db.get(StaffThread, card_key(call_id, idea_id))
    assert card is not None, "the idea's card was not remembered"
    return card.ts


def blocks_text(call) -> str:
    blocks = call.args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks, ensure_ascii=False)


def test_supports_edit_the_ideas_card_in_its_thread_not_a_new_message(make_slack, engine, clock):
    slack = make_slack()
    people = People(slack.runtime)
    call_id = open_call(slack, clock)
    author = people("U-author", "さとう")
    send_idea(author, call_id, "駐輪場の 案内板を ふやす")
    slack.drain()
    with Session(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()
    ts = card_ts(engine, call_id, idea_id)
    with Session(engine) as db:
        root = db.get(StaffThread, thread_key(call_id))
    assert root is not None
    (posted,) = [p for p in slack.standin.of("chat.postMessage") if p.answer.get("ts") == ts]
    assert posted.args["thread_ts"] == root.ts  # the card lives in the call's thread
    assert "*賛同*\\n0" in blocks_text(posted)
    in_thread = len([p for p in slack.standin.of("chat.postMessage") if "thread_ts" in p.args])

    for n in range(2):
        people(f"U-fan{n}", f"ファン{n}").press(SupportIdea(idea_id))
    slack.drain()
    updates = [u for u in slack.standin.of("chat.update") if u.args["ts"] == ts]
    assert updates, "no chat.update of the idea's card"
    assert "*賛同*\\n2" in blocks_text(updates[-1])
    after = len([p for p in slack.standin.of("chat.postMessage") if "thread_ts" in p.args])
    assert after == in_thread  # no extra message in the thread
    root_updates = [u for u in slack.standin.of("chat.update") if u.args["ts"] == root.ts]
    assert "*賛同の数*\\n2" in blocks_text(root_updates[-1])  # the call's root card too

    # an answer edits the same card too (its status and answer), no second card
    fast_home(slack)
    answer(slack, answer_modal(slack, "駐輪場の 案内板を ふやす"), "案内板を増やします。")
    slack.drain()
    text = blocks_text([u for u in slack.standin.of("chat.update") if u.args["ts"] == ts][-1])
    assert "案内板を増やします。" in text and "採用" in text
    cards = [
        p
        for p in slack.standin.of("chat.postMessage")
        if "thread_ts" in p.args and "アイデア #" in blocks_text(p)
    ]
    assert len(cards) == 1

    # hidden after reports: the card says so, in place
    for n in range(3):
        people(f"U-r{n}", f"通報{n}").press(ReportItem("idea", idea_id))
    slack.drain()
    text = blocks_text([u for u in slack.standin.of("chat.update") if u.args["ts"] == ts][-1])
    assert "非表示" in text
