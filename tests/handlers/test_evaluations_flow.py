"""協働評価 as a whole conversation on the simulator: the job asks the partners N days after
完了, they answer once (forged, repeated and stale taps change nothing), see the comparison,
staff see the disagreement, one reminder is sent, and the poster publishes to /public."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.replies import Form
from handlers import initiative_actions as a
from handlers.evaluation_form import Evaluate, Publish
from schedules.evaluations_jobs import ask_partners
from storage.models import Evaluation, EvaluationRequest, EvaluationSummary
from tests.conftest import count
from tests.handlers.test_outcome_ledger import complete
from tests.support.conversation import buttons_of
from tests.support.initiatives import latest, outbox, person_named, post, pushed_text


def evaluation_rows(engine) -> list[tuple]:
    with Session(engine) as db:
        rows = db.exec(select(Evaluation).order_by(Evaluation.id)).all()
        return [(r.person_id, r.overall, r.equal, r.comment) for r in rows]


def answer(c, initiative_id: int, scores: list[str], comment: str | None) -> None:
    c.press(Evaluate(initiative_id))
    assert "7つの 質問" in c.text, c.text
    for s in scores:
        assert [b.label for b in buttons_of(c.last)][:5] == ["1", "2", "3", "4", "5"], c.text
        c.tap(s)
    if comment is None:
        c.tap("とばす")
    else:
        c.say(comment)
    assert "送る" in [b.label for b in buttons_of(c.last)], c.text


def test_evaluation_loop_on_the_simulator(people, staff, runtime, engine, clock, client):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro, jiro = people("U-taro", "たろう"), people("U-jiro", "じろう")
    outsider = people("U-out", "よそもの")
    for p in (taro, jiro):
        p.press(a.Join(ini.id))
    staff.press(a.Claim(ini.id))
    complete(owner, ini.id)
    ctx = runtime.job_context

    # -- not yet: two days after 完了 nobody is asked; on day 3 the four partners are, once
    clock.advance(timedelta(days=2))
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    clock.advance(timedelta(days=1))
    assert ask_partners(ctx) == {"asked": 4, "reminded": 0}
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    asks = outbox(engine, kind="evaluation")
    assert len(asks) == 4 and "協働評価" in pushed_text(asks)
    assert {r.person_id for r in asks} == {
        person_named(engine, n) for n in ("はなこ", "たろう", "じろう", "区の職員")
    }

    # -- a forged 「評価する」 from someone who was not a partner changes nothing
    before = evaluation_rows(engine), count(engine, "dialog_state"), count(engine, "audit_log")
    outsider.press(Evaluate(ini.id))
    assert "取組の 仲間(なかま)だけ" in outsider.text
    outsider.press(Evaluate(9999))
    assert "取組の 仲間(なかま)だけ" in outsider.text
    assert (evaluation_rows(engine), count(engine, "audit_log")) == (before[0], before[2])

    # -- taro answers on the chat steps (quick replies 1–5, a one-line comment)
    answer(taro, ini.id, ["4", "4", "4", "4", "4", "4", "4"], "また いっしょに やりたい")
    confirm = taro.button("送る").data
    taro.tap("送る")
    assert "評価(ひょうか)を 受け付けました" in taro.text and "2人 以上" in taro.text
    taro.press(confirm)  # a double click on the confirmation: stale, nothing twice
    assert "もう つかえません" in taro.text
    taro.press(Evaluate(ini.id))  # a second 「評価する」: already received
    assert "もう 受け付けています" in taro.text
    assert len(evaluation_rows(engine)) == 1

    # -- the poster answers differently: both see the comparison, staff see the split
    answer(owner, ini.id, ["5", "4", "2", "4", "4", "4", "4"], None)
    owner.tap("送る")
    assert "中央値" in owner.text and "あなた 2 ／ 中央値(ちゅうおうち) 3" in owner.text, owner.text
    assert "まとめを公開(こうかい)する" in [b.label for b in buttons_of(owner.last)]
    told = outbox(
        engine, dedupe_key=f"evaluation:{ini.id}:{person_named(engine, 'たろう')}:compare"
    )
    assert len(told) == 1 and "あなた 4 ／ 中央値(ちゅうおうち) 3" in pushed_text(told)
    split = [r for r in outbox(engine, audience="staff") if "意見が分かれて" in pushed_text([r])]
    assert len(split) == 1 and split[0].thread_key == f"initiative:{ini.id}"
    assert "対等：いちばん低い 2 ／ いちばん高い 4" in pushed_text(split)

    # -- staff answer in one form (the Slack modal on Slack)
    staff.press(Evaluate(ini.id))
    form = next(r for r in staff.last if isinstance(r, Form))
    values = dict.fromkeys(("overall", "bigger", "equal", "purpose"), "3") | {
        "understanding": "3",
        "autonomy": "3",
        "openness": "6",  # not a choice: refused inline, nothing stored
    }
    staff.submit(form.data, values)
    assert len(evaluation_rows(engine)) == 2
    staff.submit(form.data, values | {"openness": "3", "comment": "地域の 力を 感じた"})
    assert len(evaluation_rows(engine)) == 3
    staff.submit(form.data, values | {"openness": "3"})  # the modal submitted twice
    assert "受け付けられません" in staff.text
    assert len(evaluation_rows(engine)) == 3

    # -- one reminder a week after the ask to the one who has not answered; none after
    clock.advance(timedelta(days=7))
    assert ask_partners(ctx) == {"asked": 0, "reminded": 1}
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    clock.advance(timedelta(days=14))
    assert ask_partners(ctx) == {"asked": 0, "reminded": 0}
    (reminder,) = outbox(
        engine, dedupe_key=f"evaluation:{ini.id}:{person_named(engine, 'じろう')}:remind"
    )
    assert "最後" in pushed_text([reminder])
    with Session(engine) as db:
        assert all(
            r.reminded_at is None
            for r in db.exec(select(EvaluationRequest))
            if r.person_id != reminder.person_id
        )

    # -- only the poster publishes: choose a comment, confirm, it is on /public
    taro.press(Publish(ini.id))
    assert "投稿した 人だけ" in taro.text
    owner.press(Publish(ini.id))
    assert "1. また いっしょに やりたい" in owner.text and "2. 地域の 力を 感じた" in owner.text
    owner.tap("1")
    owner.tap("決定")
    assert (
        "公開(こうかい)ページに のせます" in owner.text and "また いっしょに やりたい" in owner.text
    )
    assert count(engine, "evaluation_summary") == 0  # nothing published before the confirmation
    owner.tap("公開(こうかい)する")
    assert "公開(こうかい)しました" in owner.text
    with Session(engine) as db:
        summary = db.exec(select(EvaluationSummary)).one()
        assert summary.answers == 3 and summary.medians["equal"] == 3.0
        assert [c["text"] for c in summary.comments] == ["また いっしょに やりたい"]
    page = client.get("/public").text
    assert "協働評価（3人が回答・中央値、5点満点）" in page
    assert "また いっしょに やりたい" in page and "地域の 力を 感じた" not in page
    assert "たろう" not in page
