"""Issue 18 item 5, 協働評価, across both real webhooks of one app.

An initiative posted and completed over LINE → the clock passes 3 days → the job asks every
partner → two residents evaluate on LINE (quick replies 1–5), the 担当 staff member on Slack
(one modal) → the comparison is shown and staff see the split in the item's thread → the
poster publishes → the summary is on /public. A redelivered tap, a forged postback from
someone who was not a partner and a badly signed request change nothing; the one reminder
after 7 days goes out once.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

from bot.core.actions import pack
from handlers import initiative_actions as a
from schedules.evaluations_jobs import ask_partners
from storage.models import Evaluation, EvaluationSummary, Initiative
from tests.channels.line.conftest import body_of, postback_event, sign
from tests.channels.line.residents import actions_in, resident
from tests.channels.slack.test_idea_call_staff_flow import values_of
from tests.conftest import count

STAFF = "UST"
TITLE = "公園の 花だんを つくろう"


def evaluations(engine) -> list[tuple]:
    with Session(engine) as db:
        rows = db.exec(select(Evaluation).order_by(Evaluation.id)).all()
        return [(r.person_id, r.role, r.overall, r.equal, r.comment) for r in rows]


def snapshot(engine) -> tuple:
    tables = ("evaluation", "evaluation_request", "evaluation_summary", "outbox_message")
    return evaluations(engine), {t: count(engine, t) for t in tables}


def evaluate_on_line(person, scores: list[str], comment: str | None) -> None:
    person.tap("評価(ひょうか)する")
    for s in scores:
        assert [x["label"] for x in actions_in(person.seen)][:5] == ["1", "2", "3", "4", "5"]
        person.tap(s)
    if comment is None:
        person.tap("とばす")
    else:
        person.say(comment)
    person.tap("送る")


def test_evaluation_loop_from_line_and_slack_to_the_public_page(both_channels, engine, clock):
    both = both_channels
    line, slack, line_api, slack_api = both.line, both.slack, both.line_api, both.slack_api
    HANAKO, TARO, JIRO, OUTSIDER = ("U" + c * 32 for c in "abcd")
    line_api.profiles.update({HANAKO: "花子", TARO: "太郎", JIRO: "次郎", OUTSIDER: "よそ"})

    # -- 1. hanako posts on LINE, taro and jiro join, staff claim it (担当) on Slack
    hanako = resident(line, line_api, HANAKO)
    hanako.menu("post")
    hanako.say(TITLE)
    hanako.say("みんなで 花を うえます。")
    hanako.tap("環境・みどり")
    hanako.tap("阿佐谷")
    hanako.tap("人手")
    hanako.tap("決定(けってい)")
    hanako.tap("とばす")
    hanako.tap("定員なし")
    hanako.tap("投稿する")
    assert "投稿しました" in hanako.text
    with Session(engine) as db:
        ini = db.exec(select(Initiative)).one()
    taro, jiro = resident(line, line_api, TARO), resident(line, line_api, JIRO)
    outsider = resident(line, line_api, OUTSIDER)
    for p in (taro, jiro):
        p.menu("browse")
        p.tap("参加したい")
        assert "参加を 受け付けました" in p.text
    assert slack.press(STAFF, pack(a.Claim(ini.id))).status_code == 200

    # -- 2. hanako completes it on LINE (実施中 → 完了 with the results report)
    for status in ("実施中(じっしちゅう)", "完了"):
        hanako._send(postback_event(HANAKO, pack(a.StatusMenu(ini.id))))
        hanako.tap(status)
    hanako.say("花だんが できました")
    hanako.say("3人")
    hanako.say("また やりたい")
    assert "完了" in hanako.text

    # -- 3. the clock passes 3 days: the job asks the four partners, once
    ctx = both.runtime.job_context
    clock.advance(timedelta(days=2, hours=23))
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    clock.advance(timedelta(hours=1))
    assert ask_partners(ctx) == {"asked": 4, "reminded": 0}
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    before = len(line_api.requests)
    slack_before = len(slack_api.calls)
    both.drain_outbox()
    for p in (hanako, taro, jiro):
        p.look_at_pushes(before)
        labels = [x["label"] for x in actions_in(p.seen)]
        assert "協働評価" in p.text and "評価(ひょうか)する" in labels
    asked_staff = [c for c in slack_api.calls[slack_before:] if "評価する" in values_of(c.args)]
    assert len(asked_staff) == 1 and asked_staff[0].args["channel"] == STAFF  # a DM
    evaluate_button = values_of(asked_staff[0].args)["評価する"]
    evaluate = next(x for x in actions_in(taro.seen) if x["label"] == "評価(ひょうか)する")
    outsider_data = evaluate["data"]

    # -- 4. taro evaluates on LINE
    evaluate_on_line(taro, ["4"] * 7, "また いっしょに やりたい")
    assert "評価(ひょうか)を 受け付けました" in taro.text and "2人 以上" in taro.text
    assert [r[1:] for r in evaluations(engine)] == [
        ("participant", 4, 4, "また いっしょに やりたい")
    ]

    # -- a repeated, a redelivered, a forged and a badly signed evaluation change nothing
    kept = snapshot(engine)
    taro.tap("みんなの評価(ひょうか)を見る")
    assert "まだ くらべられません" in taro.text
    taro._send(postback_event(TARO, outsider_data))  # 「評価する」 again
    assert "もう 受け付けています" in taro.text
    outsider._send(postback_event(OUTSIDER, outsider_data))  # not a partner
    assert "取組の 仲間(なかま)だけ" in outsider.text
    forged = body_of(postback_event(OUTSIDER, outsider_data))
    assert line.post(forged, signature=sign(forged, "not-the-secret")).status_code == 400
    line.drain()
    assert snapshot(engine) == kept

    # -- 5. hanako evaluates on LINE: the comparison, and 「まとめを公開する」 for the poster
    evaluate_on_line(hanako, ["5", "4", "2", "4", "4", "4", "4"], None)
    assert "あなた 2 ／ 中央値(ちゅうおうち) 3" in hanako.text, hanako.text
    assert "まとめを公開(こうかい)する" in [x["label"] for x in actions_in(hanako.seen)]
    before = len(line_api.requests)
    both.drain_outbox()
    taro.look_at_pushes(before)
    assert (
        "2人 以上(いじょう) そろいました" in taro.text
        and "あなた 4 ／ 中央値(ちゅうおうち) 3" in taro.text
    )

    # -- 6. staff evaluate on Slack in one modal; a second submission is refused
    opened = len(slack_api.of("views.open"))
    assert slack.press(STAFF, evaluate_button, channel=f"D{STAFF}").status_code == 200
    view = slack_api.of("views.open")[opened].args["view"]
    assert view["type"] == "modal"
    picks = dict.fromkeys(("overall", "bigger", "equal", "purpose", "understanding"), "3")
    values = {
        name: {"selected_option": {"value": v}}
        for name, v in (picks | {"autonomy": "3", "openness": "3"}).items()
    } | {"comment": {"value": "地域の 力を 感じました"}}
    assert slack.submit(STAFF, view, values).status_code == 200
    assert [r[1] for r in evaluations(engine)] == ["participant", "poster", "staff"]
    kept = snapshot(engine)
    assert slack.submit(STAFF, view, values).status_code == 200  # double submit
    assert snapshot(engine) == kept
    forged_slack = slack.press(
        STAFF, evaluate_button, channel=f"D{STAFF}", signature="v0=" + "0" * 64
    )
    assert forged_slack.status_code == 401

    # -- staff see where partners disagree by ≥ 2 points, in the item's thread
    slack_before = len(slack_api.calls)
    both.drain_outbox()
    split = [
        c
        for c in slack_api.calls[slack_before:]
        if "意見が分かれています" in json.dumps(c.args, ensure_ascii=False)
    ]
    assert split and all(c.args["channel"] == "CSTAFF" and c.args.get("thread_ts") for c in split)
    assert "対等：いちばん低い 2 ／ いちばん高い 4" in json.dumps(
        split[-1].args, ensure_ascii=False
    )

    # -- 7. a week after the ask, jiro (who has not answered) is reminded once, never again
    clock.advance(timedelta(days=7))
    assert ask_partners(ctx) == {"asked": 0, "reminded": 1}
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    before = len(line_api.requests)
    both.drain_outbox()
    jiro.look_at_pushes(before)
    assert "最後" in jiro.text
    assert taro.pushed(before) == [] and hanako.pushed(before) == []
    clock.advance(timedelta(days=14))  # (LINE events older than ~29 days count as replays)
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}

    # -- 8. the poster publishes: one comment chosen, confirmed; it appears on /public
    hanako.tap("まとめを公開(こうかい)する")
    assert "1. また いっしょに やりたい" in hanako.text
    hanako.tap("1")
    hanako.tap("決定(けってい)")
    assert "公開(こうかい)ページに のせます" in hanako.text
    hanako.tap("公開(こうかい)する")
    assert "公開(こうかい)しました" in hanako.text
    with Session(engine) as db:
        summary = db.exec(select(EvaluationSummary)).one()
    assert summary.answers == 3
    page = line.client.get("/public").text
    assert "協働評価（3人が回答・中央値、5点満点）" in page
    assert "また いっしょに やりたい" in page and "地域の 力を 感じました" not in page
    assert "花子" not in page and TARO not in page
    english = line.client.get("/public?lang=en").text
    assert "Partners&#x27; evaluation (3 answers, median out of 5)" in english
