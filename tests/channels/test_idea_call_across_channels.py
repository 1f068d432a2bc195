"""Issue 7's whole アイデア募集型 story across both real webhooks of one app.

Residents are on LINE (signed webhooks in, the LINE stand-in records what they are shown);
ward staff are on Slack (signed slash commands, block actions and view submissions in, the
Slack Web API stand-in records modals and posts). Every tap is a button one of the platforms
actually received. A forged request on each side, mid-story, changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.models import Idea, IdeaCall, IdeaStatus, IdeaSupport, Initiative, InitiativeStatus
from tests.channels.line.conftest import body_of, postback_event, sign
from tests.channels.line.residents import actions_in, bubbles_in, resident, texts_in
from tests.channels.slack.test_idea_call_staff_flow import values_of
from tests.conftest import count

TOKYO = ZoneInfo("Asia/Tokyo")
TITLE = "駅前の 放置自転車を へらしたい"
STAFF = "UST"


def call_form(deadline: datetime) -> dict[str, Any]:
    return {
        "title": {"value": TITLE},
        "problem": {"value": "駅前に 自転車が 多く、歩く人が 困っています。"},
        "wanted": {"value": "だれでも できる 工夫"},
        "categories": {"selected_options": [{"value": "machizukuri"}]},
        "deadline": {"selected_date_time": int(deadline.timestamp())},
        "public": {"selected_option": {"value": "yes"}},
    }


def prefilled(view) -> dict:
    """Slack state values for a modal submitted as it was prefilled, with 確認 chosen."""
    values = {}
    for block in view["blocks"]:
        element = block["element"]
        if "initial_value" in element:
            values[block["block_id"]] = {"value": element["initial_value"]}
        elif "initial_option" in element:
            values[block["block_id"]] = {"selected_option": element["initial_option"]}
        elif block["block_id"] == "sure":
            values["sure"] = {"selected_option": element["options"][0]}
    return values


def slack_buttons(calls) -> dict[str, str]:
    """Button label → value in the Block Kit of the given Slack API calls (last one wins)."""
    return values_of([c.args.get("blocks") for c in calls])


def snapshot(engine) -> dict[str, int]:
    tables = (
        "idea_call",
        "idea",
        "idea_support",
        "initiative",
        "outbox_message",
        "audit_log",
        "inbox_event",
        "processed_event",
        "dialog_state",
    )
    return {t: count(engine, t) for t in tables}


def test_idea_call_from_slack_staff_to_line_residents_and_back(both_channels, engine, clock):
    both = both_channels
    line, slack, line_api, slack_api = both.line, both.slack, both.line_api, both.slack_api

    # -- 1. a LINE resident follows まちづくり through マイページ → フォロー設定; the others do not
    SATO, SUZUKI, TANAKA = ("U" + c * 32 for c in "abc")
    line_api.profiles.update({SATO: "佐藤", SUZUKI: "鈴木", TANAKA: "田中"})
    sato = resident(line, line_api, SATO)
    sato.menu("me")
    sato.tap("フォロー設定(せってい)")
    sato.tap("分野(ぶんや)をえらぶ")
    sato.tap("まちづくり")
    assert "✓ まちづくり" in [a["label"] for a in actions_in(sato.seen)]
    sato.tap("決定(けってい)")
    suzuki = resident(line, line_api, SUZUKI)
    tanaka = resident(line, line_api, TANAKA)

    # -- 2. staff on Slack: /kyodo new_call → modal → submit → preview → 公開する
    assert slack.command(STAFF, "new_call").status_code == 200
    (opened,) = slack_api.of("views.open")
    view = opened.args["view"]
    assert view["type"] == "modal"
    deadline = clock.now().astimezone(TOKYO) + timedelta(days=14)
    assert slack.submit(STAFF, view, call_form(deadline)).status_code == 200
    with Session(engine) as db:
        call = db.exec(select(IdeaCall)).one()
    assert call.status == "draft"
    preview = slack_buttons(slack_api.of("chat.postMessage") + slack_api.of("response_url"))
    assert "公開する" in preview, preview
    assert slack.press(STAFF, preview["公開する"], channel=f"D-{STAFF}").status_code == 200
    with Session(engine) as db:
        assert db.get(IdeaCall, call.id).status == "open"
    assert "1人にお知らせします" in str(slack_api.calls[-1].args)

    # -- 3. the outbox is drained: the follower's LINE gets the announcement, in Japanese
    before = len(line_api.requests)
    both.drain_outbox()
    sato.look_at_pushes(before)
    assert "区から アイデア募集の おしらせです" in sato.text and TITLE in sato.text
    assert suzuki.pushed(before) == [] and tanaka.pushed(before) == []
    staff_posts = [p for p in slack_api.of("chat.postMessage") if p.args["channel"] == "CSTAFF"]
    assert any(TITLE in str(p.args) for p in staff_posts)

    # -- 4. two residents send ideas over LINE: sato from the announcement card, suzuki
    # from the 「アイデア」 menu; tanaka supports suzuki's idea
    sato.tap("アイデアを送る")
    sato.say("駐輪場の 案内板を ふやす")
    sato.say("場所が わからない人が 多いから")
    sato.tap("名前をだす（佐藤）")
    sato.tap("送る")
    assert "アイデアを 送りました" in sato.text

    suzuki.menu("ideas")
    assert TITLE in suzuki.text
    suzuki.tap("アイデアを送る")
    suzuki.say("朝だけ 臨時の 駐輪場を ひらく")
    suzuki.tap("とばす")
    suzuki.tap("匿名(とくめい)にする")
    suzuki.tap("送る")
    assert "アイデアを 送りました" in suzuki.text
    with Session(engine) as db:
        first, second = db.exec(select(Idea).order_by(Idea.id)).all()
    assert first.body == "駐輪場の 案内板を ふやす" and not first.anonymous
    assert second.body == "朝だけ 臨時の 駐輪場を ひらく" and second.anonymous

    tanaka.menu("ideas")
    tanaka.tap("みんなのアイデア")
    shown = texts_in(tanaka.seen)
    assert "朝だけ 臨時の 駐輪場を ひらく" in shown and "駐輪場の 案内板を ふやす" in shown
    assert "鈴木" not in shown  # anonymous to residents
    carousel = tanaka.seen
    tanaka.tap("賛同(さんどう)する", on="朝だけ 臨時の 駐輪場を ひらく")
    assert "いま 1人が 賛同" in tanaka.text
    with Session(engine) as db:
        (support,) = db.exec(select(IdeaSupport)).all()
    assert support.idea_id == second.id

    # -- staff see both ideas in the call's thread in the staff channel
    both.drain_outbox()
    cards = {
        idea.id: next(
            p
            for p in slack_api.of("chat.postMessage")
            if p.args["channel"] == "CSTAFF"
            and p.args.get("thread_ts")
            and idea.body in str(p.args)
        )
        for idea in (first, second)
    }
    assert "鈴木（区民には匿名）" in str(cards[second.id].args)  # staff always see who
    review = slack_buttons([cards[second.id]])
    assert {"回答する", "採用"} <= set(review), review

    # -- forged requests mid-story: a LINE 賛同 and a Slack 採用 with bad signatures do nothing
    before = snapshot(engine), len(line_api.requests), len(slack_api.calls)
    on_first = [b for b in bubbles_in(carousel) if first.body in texts_in(b)]
    forged_tap = next(a for a in actions_in(on_first) if a["label"] == "賛同(さんどう)する")
    forged_line = body_of(postback_event(TANAKA, forged_tap["data"]))
    assert (
        line.post(forged_line, signature=sign(forged_line, "not-the-channel-secret")).status_code
        == 400
    )
    line.drain()
    forged_slack = slack.press(STAFF, review["採用"], channel="CSTAFF", signature="v0=" + "0" * 64)
    assert forged_slack.status_code == 401
    assert (snapshot(engine), len(line_api.requests), len(slack_api.calls)) == before

    # -- 5. staff adopt suzuki's idea: 採用 on the card → answer modal → submit → 取組にする
    opened_before = len(slack_api.of("views.open"))
    assert slack.press(STAFF, review["採用"], channel="CSTAFF").status_code == 200
    answer_view = slack_api.of("views.open")[opened_before].args["view"]
    assert answer_view["type"] == "modal"
    status_field = next(b for b in answer_view["blocks"] if b["block_id"] == "status")
    assert status_field["element"]["initial_option"]["value"] == "adopted"
    posted_before = len(slack_api.calls)
    answer = {
        "status": {"selected_option": status_field["element"]["initial_option"]},
        "answer": {"value": "来月から 試します。ありがとう！"},
    }
    assert slack.submit(STAFF, answer_view, answer).status_code == 200
    after_answer = slack_api.calls[posted_before:]
    assert "「採用」にしました" in str([c.args for c in after_answer])
    (offer,) = [c for c in after_answer if "取組にする" in slack_buttons([c])]
    assert offer.args["channel"] == STAFF  # posted to the staff member's DM with the bot
    where = f"D{STAFF}"  # ... which Slack reports as a D… conversation id
    make = slack_buttons([offer])["取組にする"]
    assert slack.press(STAFF, make, channel=where).status_code == 200
    # 取組にする opens the prefilled modal; published as prefilled, confirmed (issue 16)
    adopt_view = slack_api.of("views.open")[-1].args["view"]
    assert slack.submit(STAFF, adopt_view, prefilled(adopt_view)).status_code == 200
    assert count(engine, "initiative") == 1

    # -- 6. the LINE author hears back in Japanese; the supporter gets a short note
    before = len(line_api.requests)
    both.drain_outbox()
    suzuki.look_at_pushes(before)
    told = suzuki.text
    assert f"「{TITLE}」への アイデアについて 区から おしらせ" in told
    assert "来月から 試します。ありがとう！" in told and "採用" in told
    assert "あなたの アイデアが 区の 取組「" in told
    tanaka.look_at_pushes(before)
    assert "あなたが 賛同(さんどう)した アイデア" in tanaka.text and "採用" in tanaka.text
    assert sato.pushed(before) == []

    # ... and the store has the initiative linked both ways
    with Session(engine) as db:
        idea = db.get(Idea, second.id)
        initiative = db.exec(select(Initiative)).one()
        assert (
            idea.status == IdeaStatus.ADOPTED and idea.answer == "来月から 試します。ありがとう！"
        )
        assert idea.initiative_id == initiative.id and initiative.idea_id == idea.id
        assert initiative.status == InitiativeStatus.RECRUITING
        assert db.get(Idea, first.id).status == IdeaStatus.RECEIVED
