"""Every registered action and form, forged by a resident with no standing.

The table is read from the real router, so a new action or form without a rule here fails.
Each one is sent (as a forged postback / form submission, with ids pointing at other people's
things) by a resident who is not owner, admin, participant or staff:

- ``DENIED``: nothing changes in the database beyond the dedupe row;
- ``SELF``: a resident may do this to their own things (join, support, report, follow, …), so
  only rows that are the forger's own may change;

and in both cases nothing personal about anyone else comes back: not a participant's name or
their join message, not the name of an anonymous idea's author.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.app import build_runtime
from bot.core.actions import pack
from handlers import build_router
from storage.db import session_scope
from storage.models import Actor, Idea, IdeaCall, Initiative, Meeting, Person
from tests.handlers.conftest import call_values, send_idea
from tests.support.conversation import Conversation, buttons_of, texts_of
from tests.support.initiatives import post
from tests.support.meetings import local

SECRET_NAMES = ("秘密の参加者", "秘密のひとこと", "匿名の作者")

DENIED = {
    # staff and owners only
    "EditCall", "PublishCall", "CallMeeting", "ManageCall", "CloseCall", "StaffIdeas",
    "SetIdeaStatus", "AnswerIdea", "MakeInitiative", "ExportCall", "EditIdea", "WithdrawIdea",
    "Participants", "OpinionAsk", "OpinionList", "OpinionClose",
    "StatusMenu", "SetStatus", "EditInitiative", "Claim", "Match", "Invite", "ScheduleMeeting",
    "ScheduleCallMeeting", "ManageMeeting", "MoveMeeting", "CancelMeeting", "ConfirmCancel",
    "RecordMeeting", "Decide", "ShowHistory", "EditProfile", "EditField",
    # an organisation's admins share invites; a forged invite (no valid signature) joins nothing
    "ShareInvite", "JoinByInvite",
    # forms (WizardForm is aimed at the staff post's declared dialog)
    "CallForm", "AnswerForm", "StaffPost", "MeetingForm", "WizardForm",
    # dialog steps with no dialog of the forger's open: a stale button
    "JoinMessage", "JoinMessageSkip", "Withdraw", "OpinionAnswer",
    # the staff console's buttons and the 投稿者を停止 いいえ (issue 16)
    "ConsoleMore", "ConsoleClaim", "ConsoleDecide", "ConsoleAnswer", "ConsoleAnswerForm",
    "ConsoleOpen", "ConsoleMatch", "ConsoleRefresh", "KeepSuspend",
    # a button or modal reached from the console (carries the action it wraps, e.g. 担当する)
    "ConsoleVia", "ConsoleForm",
    # the wizard's buttons (bot/core/wizard.py), with no dialog of the forger's open
    "WizardAnswer", "WizardSkip", "WizardDone", "WizardEdit", "WizardConfirm", "WizardStop",
    # 協働評価: partners of a completed initiative only (its poster only for Publish)
    "Evaluate", "Compare", "Publish",
}  # fmt: skip
SELF = {
    "Menu", "ListCalls", "StartIdea", "MyIdeas", "BrowseIdeas", "SupportIdea", "Browse",
    "BrowseFilter", "BrowseSearch", "Show", "Join", "Answer", "ShowMeeting", "ReportItem",
    "AcceptConsent", "AcceptConsentThen", "DeclineConsent", "MyDataAction", "Profile", "CreateOrganisation",
    "JoinOrganisation", "MyInitiatives", "MyParticipations", "FollowSettings", "FollowPick",
    "FollowToggle", "FollowMode",
    # the forger's own language, and ask-once confirmations of the forger's own report,
    # withdrawal and its undo (the forger has no participation to withdraw)
    "SetLanguage", "AskReport", "KeepReport", "WithdrawAsk", "WithdrawKeep", "UndoWithdraw",
}  # fmt: skip
OWNER_COLUMNS = ("person_id", "poster_id", "supporter_id", "reporter_id", "author_id")


@dataclasses.dataclass
class World:
    runtime: Any
    forger: Conversation
    forger_id: int
    ids: dict[str, int]


def seed(runtime, clock) -> dict[str, int]:
    """Other people's things: an open idea call with an anonymous idea, an initiative with a
    participant who left a join message, a meeting, an organisation. Returns their ids."""
    engine = runtime.engine

    def person(user: str, name: str, staff: bool = False) -> Conversation:
        c = Conversation(runtime, user=user, name=name, staff=staff)
        c.follow()
        if any(b.label == "同意する" for b in buttons_of(c.last)):
            c.tap("同意する")
        return c

    staff = person("S-staff", "区の職員", staff=True)
    staff.command("new_call")
    form = next(r for r in staff.last if type(r).__name__ == "Form")
    staff.submit(form.data, call_values(clock))
    staff.tap("公開する")
    poster = person("U-poster", "投稿者")
    post(poster, capacity="5")
    participant = person("U-joined", "秘密の参加者")
    author = person("U-author", "匿名の作者")
    with session_scope(engine) as db:
        call_id = db.exec(select(IdeaCall.id)).one()
        ini = db.exec(select(Initiative)).one()
        ini_id, actor_id = ini.id, ini.actor_id
    send_idea(author, call_id, "ベンチを ふやす", anonymous=True)
    participant.press(pack_named("Join", initiative_id=ini_id))
    participant.tap("ひとこと送る")
    participant.say("秘密のひとこと")
    staff.submit(
        pack_named("MeetingForm", target=f"initiative:{ini_id}"),
        {
            "title": "準備の集い",
            "starts_at": local(clock.now() + timedelta(days=3)),
            "ends_at": local(clock.now() + timedelta(days=3, hours=2)),
            "place": "集会所",
            "online_url": "",
            "capacity": "",
            "notes": "",
            "reminders": [],
            "reminder_text": "",
        },
    )
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()
        meeting = db.exec(select(Meeting.id)).first()
        org = Actor(name="よその団体", kind="npo")
        db.add(org)
        db.flush()
        org_id = org.id
    return {
        "initiative_id": ini_id,
        "call_id": call_id,
        "idea_id": idea_id,
        "meeting_id": meeting or 1,
        "actor_id": actor_id,
        "other_actor": org_id,
        "entity_id": ini_id,
        "request_id": 1,
    }


@pytest.fixture
def world(settings, engine, clock, messenger) -> World:
    s = settings.model_copy(update={"messages_per_hour": 100_000, "posts_per_hour": 1_000})
    runtime = build_runtime(s, engine=engine, clock=clock, messengers={"simulator": messenger})
    ids = seed(runtime, clock)
    forger = Conversation(runtime, user="U-forger", name="通りすがり")
    forger.follow()
    forger.tap("同意する")
    with session_scope(engine) as db:
        forger_id = db.exec(select(Person.id).where(Person.display_name == "通りすがり")).one()
    return World(runtime, forger, forger_id, ids)


def registered() -> dict[str, type]:
    router = build_router()
    return {cls.__name__: cls for cls in [*router.actions, *router.forms]}


def pack_named(name: str, **values: Any) -> str:
    return pack(registered()[name](**values))


def forged(cls: type, ids: dict[str, int]) -> Any:
    """An instance of ``cls`` aimed at other people's things, taking the risky branch."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if f.name in ids:
            values[f.name] = ids[f.name]
        elif hint is bool:
            values[f.name] = True  # confirm=True: the branch that changes things
        elif hint is int:
            values[f.name] = 1
        elif isinstance(hint, type) and issubclass(hint, enum.Enum):
            values[f.name] = list(hint)[1]  # not the initial state: a real change
        elif typing.get_origin(hint) is typing.Literal:
            values[f.name] = typing.get_args(hint)[0]
        elif f.name == "status":
            # a change made by the press itself (中止 now opens a reason form first; its
            # submission is checked in tests/channels/slack/test_cancel_initiative.py)
            values[f.name] = "preparing"
        elif f.name == "current":
            values[f.name] = "recruiting"
        elif f.name == "flow":
            values[f.name] = "ipost_staff"  # a declared dialog only staff may run
        elif f.name == "target":
            values[f.name] = f"initiative:{ids['initiative_id']}"
        elif f.name == "inner":  # a console wrapper aimed at a real change
            if cls.__name__ == "ConsoleForm":
                values[f.name] = pack_named("AnswerForm", idea_id=ids["idea_id"])
            else:
                values[f.name] = pack_named("Claim", initiative_id=ids["initiative_id"])
        else:
            values[f.name] = "x"
    return cls(**values)


FORM_VALUES = {
    "title": "のっとり",
    "problem": "x",
    "wanted": "x",
    "categories": ["bousai"],
    "deadline": "2030-01-01T10:00",
    "public": "yes",
    "status": "adopted",
    "answer": "x",
    "starts_at": "2030-01-01T10:00",
    "ends_at": "2030-01-01T12:00",
    "place": "x",
    "reminders": [],
}


def snapshot(engine) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            if table in ("processed_event", "alembic_version"):
                continue
            result = conn.execute(text(f"SELECT * FROM {table}"))
            keys = tuple(result.keys())
            out[table] = {tuple(zip(keys, map(repr, row), strict=True)) for row in result}
    return out


def changes(before: dict, after: dict) -> list[tuple[str, dict]]:
    return [
        (table, dict(row)) for table in after for row in (after[table] ^ before.get(table, set()))
    ]


def is_own(table: str, row: dict, forger_id: int) -> bool:
    """A row that is the forger's, or a notice of the forger's own act (to the poster, staff)."""
    if table == "outbox_message" and row.get("audience") == repr("staff"):
        return True  # a staff-channel card of the act (staff see every author, e.g. 賛同 on it)
    if table in ("outbox_message", "staff_thread"):
        return not any(secret in "".join(row.values()) for secret in SECRET_NAMES)
    if table == "person":
        return row.get("id") == repr(forger_id)
    if table == "dialog_state":
        return "U-forger" in "".join(row.values())
    return any(row.get(col) == repr(forger_id) for col in OWNER_COLUMNS)


def test_every_registered_action_and_form_has_a_rule():
    names = set(registered())
    assert names - DENIED - SELF == set(), "add a rule for each new action or form"
    assert (DENIED | SELF) - names == set(), "a rule for something no longer registered"
    assert not DENIED & SELF


@pytest.mark.parametrize("name", sorted(registered()))
def test_a_forged_action_from_an_unrelated_resident(world, engine, name):
    cls = registered()[name]
    action = forged(cls, world.ids)
    before = snapshot(engine)
    if cls in build_router().forms:
        replies = world.forger.submit(action, FORM_VALUES)
    else:
        replies = world.forger.press(action)
    after = snapshot(engine)
    shown = texts_of(replies) + " " + " ".join(b.label for b in buttons_of(replies))
    for secret in SECRET_NAMES:
        assert secret not in shown, f"{name} showed {secret!r}: {shown[:300]}"
    changed = changes(before, after)
    if name in DENIED:
        assert changed == [], f"{name} changed {changed[:3]}"
    else:
        others = [(t, r) for t, r in changed if not is_own(t, r, world.forger_id)]
        assert others == [], f"{name} changed someone else's rows: {others[:3]}"


def test_the_world_has_what_the_table_needs(world, engine):
    """The forged ids point at real things, so the table above tests something."""
    with session_scope(engine) as db:
        assert db.get(Initiative, world.ids["initiative_id"]) is not None
        assert db.get(Idea, world.ids["idea_id"]) is not None
        assert db.get(Meeting, world.ids["meeting_id"]) is not None
    poster = Conversation(world.runtime, user="U-poster", name="投稿者")
    shown = texts_of(
        poster.press(pack_named("Participants", initiative_id=world.ids["initiative_id"]))
    )
    assert "秘密の参加者" in shown and "秘密のひとこと" in shown  # the poster may see them


AIMED = ("SetStatus", "CloseCall", "SetIdeaStatus", "ConfirmCancel", "Decide", "ConsoleVia")


@pytest.mark.parametrize("name", AIMED)
def test_the_same_forged_action_from_staff_does_change_things(world, engine, name):
    """Control: the forged values are well aimed, so 'nothing changed' above means refused."""
    staff = Conversation(world.runtime, user="S-staff", name="区の職員", staff=True)
    before = snapshot(engine)
    staff.press(forged(registered()[name], world.ids))
    assert changes(before, snapshot(engine)) != []
