"""中止 of an initiative: a reason and a confirmation in a Slack modal, refused to outsiders,
and a stale press on an already cancelled item says so and changes nothing."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.core.actions import pack
from handlers import initiative_actions as a
from storage.models import AuditLog, Initiative
from tests.support.initiatives import People, latest, outbox, post


def status_of(engine, initiative_id: int) -> str:
    with Session(engine) as db:
        ini = db.get(Initiative, initiative_id)
        assert ini is not None
        return str(ini.status)


def status_audits(engine, initiative_id: int) -> list[AuditLog]:
    with Session(engine) as db:
        return list(
            db.exec(
                select(AuditLog).where(
                    AuditLog.action == "initiative.status", AuditLog.entity_id == initiative_id
                )
            ).all()
        )


def said(slack) -> str:
    return json.dumps(
        [c.args for c in slack.standin.calls if c.method != "views.open"], ensure_ascii=False
    )


def seeded(slack, engine):
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    ini = latest(engine)
    people("U-taro", "たろう").press(a.Join(ini.id))
    return ini


def test_cancel_asks_a_reason_and_a_confirmation_and_tells_participants(make_slack, engine):
    slack = make_slack()
    ini = seeded(slack, engine)
    slack.press("USTAFF", pack(a.SetStatus(ini.id, "cancelled", "recruiting")))
    view = slack.standin.of("views.open")[-1].args["view"]
    assert view["type"] == "modal"
    assert "中止の理由" in json.dumps(view, ensure_ascii=False)
    assert status_of(engine, ini.id) == "recruiting"  # the press alone changes nothing

    # no reason, no confirmation: the modal says which, nothing changes
    r = slack.submit("USTAFF", view, {"reason": {"value": "  "}})
    errors = r.json()["errors"]
    assert set(errors) == {"reason", "sure"}
    r = slack.submit("USTAFF", view, {"reason": {"value": "雨天のため"}})
    assert set(r.json()["errors"]) == {"sure"}
    assert status_of(engine, ini.id) == "recruiting"

    sure = {"selected_option": {"value": "yes"}}
    r = slack.submit("USTAFF", view, {"reason": {"value": "雨天のため"}, "sure": sure})
    assert r.status_code == 200 and "errors" not in (r.text or "")
    assert status_of(engine, ini.id) == "cancelled"
    (audit,) = status_audits(engine, ini.id)
    assert audit.detail["reason"] == "雨天のため"  # kept
    taro_rows = [
        row for row in outbox(engine, audience="person") if "中止の 理由" in str(row.payload)
    ]
    assert taro_rows and "雨天のため" in str(taro_rows[0].payload)

    # the same modal again (stale): says so, changes nothing
    slack.submit("USTAFF", view, {"reason": {"value": "二度目"}, "sure": sure})
    assert "すでに中止" in said(slack)
    assert len(status_audits(engine, ini.id)) == 1
    # and a stale 中止にする button on the old card says the status moved on
    slack.press("USTAFF", pack(a.SetStatus(ini.id, "cancelled", "recruiting")))
    assert "すでに「中止」に" in said(slack)
    assert len(status_audits(engine, ini.id)) == 1


def test_cancel_from_someone_not_staff_is_refused_ephemerally(make_slack, engine, standin):
    standin.usergroups["S1"] = ["USTAFF"]
    slack = make_slack(SLACK_STAFF_USERGROUP_ID="S1")
    ini = seeded(slack, engine)
    slack.press("UOTHER", pack(a.SetStatus(ini.id, "cancelled", "recruiting")))
    (refusal,) = slack.standin.of("chat.postEphemeral")
    assert refusal.args["user"] == "UOTHER"
    assert not slack.standin.of("views.open")
    assert status_of(engine, ini.id) == "recruiting"
    assert status_audits(engine, ini.id) == []
