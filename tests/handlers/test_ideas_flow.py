"""The whole アイデア募集型 transcript: staff open a call → a follower is told → two residents
send ideas, one supports the other's → staff answer 採用 → the author hears back → the idea
becomes an initiative linked both ways."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.replies import Card, Carousel, Form, FormErrors, Text
from handlers.idea_actions import (
    AnswerForm,
    AnswerIdea,
    BrowseIdeas,
    EditIdea,
    MakeInitiative,
    StartIdea,
    SupportIdea,
    WithdrawIdea,
)
from storage.db import session_scope
from storage.models import (
    Actor,
    ActorKind,
    AuditLog,
    Idea,
    IdeaCall,
    IdeaStatus,
    Initiative,
    InitiativeStatus,
    OutboxMessage,
)
from tests.conftest import count
from tests.handlers.conftest import call_values, local_input, person_id, send_idea, texts
from tests.support.adopt import publish_prefilled
from tests.support.conversation import Conversation, texts_of
from tests.support.messengers import RecordingMessenger


async def test_staff_open_a_call_residents_send_and_support_staff_adopt_and_make_initiative(
    runtime, engine, clock, resident
):
    """Staff on Slack, residents on LINE (recording stand-ins for both channels)."""
    line, slack = RecordingMessenger(channel="line"), RecordingMessenger(channel="slack")
    runtime.add_messenger(line)
    runtime.add_messenger(slack)
    messenger = line
    staff = Conversation(runtime, user="U-slack-staff", channel="slack", staff=True, name="職員")
    follower = resident("U-follower", "佐藤", follows=("bousai",), channel="line")
    other = resident("U-other", "鈴木", follows=("kosodate",), channel="line")

    # -- staff open a call: one invalid field comes back as a form error, nothing is written
    form = next(r for r in staff.command("new_call") if isinstance(r, Form))
    assert {f.name for f in form.fields} >= {
        "title",
        "problem",
        "wanted",
        "categories",
        "deadline",
        "public",
    }
    bad = call_values(clock, deadline=local_input(clock.now() - timedelta(days=1)))
    replies = staff.submit(form.data, bad)
    assert len(replies) == 1 and isinstance(replies[0], FormErrors)
    assert [name for name, _ in replies[0].errors] == ["deadline"]
    assert count(engine, "idea_call") == 0

    # -- fixed → preview (a draft residents can't see) → publish
    staff.submit(form.data, call_values(clock))
    preview = next(r for r in staff.last if isinstance(r, Card))
    assert preview.title == "駅前の 放置自転車を へらしたい"
    assert [b.label for b in preview.buttons] == ["公開する", "修正する"]
    with session_scope(engine) as db:
        call = db.exec(select(IdeaCall)).one()
        assert call.status == "draft"
        call_id = call.id
    other.command("ideas")
    assert "募集中の アイデア募集は ありません" in other.text
    staff.tap("公開する")
    assert "1人にお知らせします" in staff.text

    # -- the follower is told; the non-follower is not; staff channel gets the card
    await runtime.outbox.drain()
    pushed = messenger.pushes["U-follower"]
    assert any(isinstance(r, Card) and r.title == call.title for r in pushed)
    card = next(r for r in pushed if isinstance(r, Card))
    assert [b.label for b in card.buttons] == ["アイデアを送る", "みんなのアイデア"]
    assert "U-other" not in messenger.pushes
    follower_id = person_id(engine, "U-follower")
    with session_scope(engine) as db:
        row = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "announcement")).one()
        assert row.dedupe_key == f"idea_call:{call_id}:announce:{follower_id}"
    roots = [p for p in slack.staff_posts if p[0] == f"idea_call:{call_id}"]
    assert roots and "アイデア募集：駅前の" in roots[0][1][0].title

    # -- everyone else finds it in the menu
    other.command("ideas")
    assert isinstance(other.last[0], Carousel)
    assert other.last[0].cards[0].title == call.title

    # -- two residents send ideas (one with a reason, one anonymous)
    send_idea(
        follower, call_id, "駐輪場の 案内板を ふやす", reason="場所が わからない人が 多いから"
    )
    assert "アイデアを 送りました" in follower.text
    send_idea(other, call_id, "朝だけ 臨時の 駐輪場を ひらく", anonymous=True)
    with session_scope(engine) as db:
        mine, theirs = db.exec(select(Idea).order_by(Idea.id)).all()
        assert mine.reason == "場所が わからない人が 多いから" and not mine.anonymous
        assert theirs.anonymous and theirs.reason is None
    await runtime.outbox.drain()
    thread = [  # the thread's notes and the ideas' cards posted in it (idea_call:N/idea:M)
        replies
        for key, replies in slack.staff_posts
        if (key or "").partition("/")[0] == f"idea_call:{call_id}"
    ]
    staff_texts = "\n".join(texts_of(r) for r in thread)
    assert "新しいアイデア #" in staff_texts
    assert "鈴木（区民には匿名）" in staff_texts  # staff always see who

    # -- browsing: anonymous shown as 匿名; support once; not your own
    follower.press(BrowseIdeas(call_id))
    carousel = follower.last[0]
    assert isinstance(carousel, Carousel)
    theirs_card = next(c for c in carousel.cards if c.body == theirs.body)
    assert ("送った人", "匿名(とくめい)") in theirs_card.fields
    assert "鈴木" not in texts_of(follower.last)
    own_card = next(c for c in carousel.cards if c.body == mine.body)
    assert own_card.buttons == ()
    follower.tap("賛同(さんどう)する")
    assert "いま 1人が 賛同" in follower.text
    follower.press(SupportIdea(theirs.id))
    assert "もう 賛同(さんどう)ずみ" in follower.text
    other.press(SupportIdea(theirs.id))
    assert "自分の アイデアには 賛同(さんどう)できません" in other.text
    assert count(engine, "idea_support") == 1

    # -- staff answer 採用 in a form; the author is told, the supporter gets a short note
    staff.press(AnswerIdea(theirs.id, IdeaStatus.ADOPTED))
    answer_form = staff.last[0]
    assert isinstance(answer_form, Form)
    assert next(f for f in answer_form.fields if f.name == "status").initial == "adopted"
    staff.submit(AnswerForm(theirs.id), {"status": "adopted", "answer": ""})
    assert isinstance(staff.last[0], FormErrors)
    staff.submit(
        AnswerForm(theirs.id), {"status": "adopted", "answer": "来月から 試します。ありがとう！"}
    )
    assert "「採用」にしました" in staff.text
    await runtime.outbox.drain()
    told = messenger.pushes["U-other"]
    answer = next(r for r in told if isinstance(r, Card))
    assert answer.body == "来月から 試します。ありがとう！" and answer.badge == "採用(さいよう)"
    note = [r.text for r in messenger.pushes["U-follower"] if isinstance(r, Text)]
    assert any("賛同(さんどう)した アイデア" in t and "採用" in t for t in note)

    # -- one action: the idea becomes an initiative posted as the ward, linked both ways
    staff.tap("取組にする")
    publish_prefilled(staff)  # the prefilled modal, confirmed (issue 16)
    assert "取組「" in staff.text
    with session_scope(engine) as db:
        idea = db.get(Idea, theirs.id)
        initiative = db.exec(select(Initiative)).one()
        assert idea.initiative_id == initiative.id and initiative.idea_id == idea.id
        assert initiative.status == InitiativeStatus.RECRUITING
        actor = db.get(Actor, initiative.actor_id)
        assert actor.kind == ActorKind.WARD and actor.name == "杉並区"
        assert initiative.category == "machizukuri"
        actions = set(db.exec(select(AuditLog.action)).all())
        assert {
            "idea_call.published",
            "idea.submitted",
            "idea.answered",
            "initiative.created_from_idea",
        } <= actions
    # the old button pressed again changes nothing
    staff.press(MakeInitiative(theirs.id))
    assert "もう取組" in staff.text
    assert count(engine, "initiative") == 1
    await runtime.outbox.drain()
    assert any(isinstance(r, Text) and "取組「" in r.text for r in messenger.pushes["U-other"])


async def test_the_staff_card_is_updated_with_live_counts(
    runtime, engine, messenger, staff, resident, open_call
):
    a = resident("U-a", "A")
    b = resident("U-b", "B")
    call_id = open_call()
    send_idea(a, call_id, "アイデア A")
    b.press(BrowseIdeas(call_id))
    b.tap("賛同(さんどう)する")
    await runtime.outbox.drain()
    with session_scope(engine) as db:
        updates = db.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.thread_key == f"idea_call:{call_id}",
                OutboxMessage.staff_update == True,  # noqa: E712
            )
            .order_by(OutboxMessage.id)
        ).all()
    last = dict(updates[-1].payload[0]["fields"])
    assert last["アイデア数"] == "1" and last["賛同の数"] == "1" and last["未回答"] == "1"


def test_the_resident_dialog_keeps_answers_and_lets_the_author_change_parts(
    runtime, engine, resident, open_call
):
    r = resident("U-r", "山田")
    call_id = open_call()
    r.press(StartIdea(call_id))
    r.say("あ" * 1001)
    assert "1000文字以内" in r.text
    r.say("公園に ベンチを")
    r.tap("とばす")
    r.tap("名前をだす")
    assert isinstance(r.last[0], Card) and r.last[0].body == "公園に ベンチを"
    r.tap("アイデアをなおす")
    r.say("公園に ベンチと 日かげを")
    assert r.last[0].body == "公園に ベンチと 日かげを"  # straight back to the confirm card
    r.tap("表示(ひょうじ)をかえる")
    r.tap("匿名(とくめい)にする")
    assert ("表示(ひょうじ)", "匿名(とくめい)") in r.last[0].fields
    assert count(engine, "idea") == 0  # nothing written before 送る
    old_send = r.button("送る").data
    r.tap("送る")
    r.press(old_send)  # the old 送る button pressed again changes nothing
    assert count(engine, "idea") == 1
    # the author edits and withdraws before the deadline
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()
    r.press(EditIdea(idea_id))
    r.tap("理由をなおす")
    r.say("夏は 暑いので")
    r.tap("なおして送る")
    with session_scope(engine) as db:
        assert db.get(Idea, idea_id).reason == "夏は 暑いので"
    r.press(WithdrawIdea(idea_id))
    assert "とりさげますか" in r.text
    r.tap("とりさげる")
    with session_scope(engine) as db:
        assert db.get(Idea, idea_id).status == IdeaStatus.WITHDRAWN
    assert texts(r.last) == ["アイデアを とりさげました。"]
    assert count(engine, "idea_support") == 0
