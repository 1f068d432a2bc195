"""Consent, マイデータ (see, download, delete) and the guards every writing turn passes.

Consent is checked generically: a turn that would store a person's contribution (a post, a
join, an idea, an opinion, a profile) without consent to the current notice version is rolled
back — the dialog keeps its earlier answers — and the notice is shown instead.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.core.actions import ActionError, action, pack, unpack
from bot.core.events import ActionInvoked
from bot.core.replies import Button, Card, Choices, Reply, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import GATED, resume_gated
from bot.signed_links import sign
from handlers.idea_views import staff_translator
from storage.db import stored_id
from storage.models import (
    Actor,
    Idea,
    IdeaSupport,
    Initiative,
    KeyValue,
    Membership,
    Opinion,
    OpinionRequest,
    Participation,
    Report,
    Rsvp,
    Subscription,
)
from storage.privacy import erase_person

router = Router()

# Rows that record a person's own contribution: writing one needs consent.
CONTRIBUTIONS = (
    Initiative,
    Participation,
    OpinionRequest,
    Opinion,
    Idea,
    IdeaSupport,
    Membership,
    Subscription,
    Rsvp,
    Report,
)
# Rows that count as a "post" for the hourly limit.
POSTS = (Initiative, Idea, Opinion, OpinionRequest)


@action("pa")
class AcceptConsent:
    version: str


@action("pt")
class AcceptConsentThen:
    """Agreeing to the notice a one-tap action met; ``then`` is that button's data, tapped
    again once consent is stored (a claim like any button: its handler re-checks)."""

    version: str
    then: str


@action("pd")
class DeclineConsent:
    pass


@action("pm")
class MyDataAction:
    step: str  # show | download | delete | confirm
    person: int = 0  # whom the confirm button was made for: anyone else's tap is refused


def version(turn: Turn) -> str:
    return turn.config.privacy_version or "1"


def has_consent(turn: Turn) -> bool:
    return turn.person.is_staff or turn.person.consent_version == version(turn)


def notice(turn: Turn, then: str = "") -> Card:
    """The privacy notice; ``then``: the data of the button that met it, redone on agreeing."""
    url = turn.config.privacy_policy_url
    accept_data = pack(AcceptConsent(version(turn)))
    if then:
        with suppress(ActionError):  # too long for a postback: agree, then tap again
            accept_data = pack(AcceptConsentThen(version(turn), then))
    return Card(
        title=turn.t("privacy.notice_title"),
        body=turn.t("privacy.notice", url=url),
        buttons=(
            Button(label=turn.t("privacy.accept"), data=accept_data, style="primary"),
            Button(label=turn.t("privacy.decline"), data=pack(DeclineConsent())),
        ),
    )


def _record_consent(turn: Turn, consent_version: str) -> None:
    turn.person.consent_version = consent_version
    turn.person.consented_at = turn.now
    turn.db.add(turn.person)
    turn.audit("consent.accepted", "person", turn.person.id, version=consent_version)


@router.action(AcceptConsent)
def accept(turn: Turn, consent: AcceptConsent) -> None:
    if consent.version != version(turn):  # an old notice: show the current one
        turn.say(notice(turn))
        return
    _record_consent(turn, consent.version)
    if turn.dialog.flow == GATED and turn.dialog.active:  # agreed before a first contribution
        turn.say_text("privacy.accepted_go_on")
        resume_gated(turn)
        return
    turn.say_text("privacy.accepted")


@router.action(AcceptConsentThen)
def accept_then(turn: Turn, consent: AcceptConsentThen) -> None:
    """Agree, then do what the person tapped: no second tap on a button they must find again."""
    if consent.version != version(turn):
        turn.say(notice(turn, consent.then))
        return
    try:
        act = unpack(consent.then)
    except ActionError:
        act = None
    handler = turn.actions.get(type(act))
    if handler is None or isinstance(act, AcceptConsent | AcceptConsentThen | DeclineConsent):
        accept(turn, AcceptConsent(consent.version))  # nothing (valid) to redo
        return
    _record_consent(turn, consent.version)
    turn.say_text("privacy.accepted_then")
    handler(turn, act)


def consent_first(turn: Turn) -> bool:
    """The gate of contribution dialogs: without consent, the notice comes before any question
    (agreeing goes straight on into the dialog, see ``accept``)."""
    if has_consent(turn) or turn.person.deleted:
        return True
    turn.say(Text(text=turn.t("privacy.first_notice")), notice(turn))
    return False


@router.action(DeclineConsent)
def decline(turn: Turn, _: DeclineConsent) -> None:
    if turn.dialog.flow == GATED:  # the dialog that waited for consent does not start
        turn.dialog.clear()
    turn.say_text("privacy.declined")


# ------------------------------------------------------------------ guards


def _new_of(turn: Turn, kinds: tuple[type, ...]) -> list[Any]:
    return [obj for obj in turn.created if isinstance(obj, kinds)]


def _profile_changed(turn: Turn) -> bool:
    return any(isinstance(obj, Actor) for obj in turn.changed)


def _own_answer_changed(turn: Turn) -> bool:
    """An existing row turned into a contribution: an invited RSVP answered, or a join after
    withdrawing. Saying no or withdrawing stays possible without consent."""
    for obj in turn.changed:
        if getattr(obj, "person_id", None) != turn.person.id:
            continue
        if isinstance(obj, Rsvp) and obj.answer in ("yes", "maybe", "waitlisted"):
            return True
        if isinstance(obj, Participation) and obj.status in ("joined", "waitlisted"):
            return True
    return False


@router.guard
def consent_guard(turn: Turn) -> list[Reply] | None:
    if has_consent(turn) or turn.person.deleted:
        return None
    if _new_of(turn, CONTRIBUTIONS) or _profile_changed(turn) or _own_answer_changed(turn):
        tapped = turn.event.data if isinstance(turn.event, ActionInvoked) else ""
        return [Text(text=turn.t("privacy.required")), notice(turn, tapped)]
    return None


@router.guard
def posting_guard(turn: Turn) -> list[Reply] | None:
    """Suspended people can't write; everyone else has an hourly post limit."""
    new_posts = _new_of(turn, POSTS)
    if not new_posts and not (turn.person.suspended and _new_of(turn, CONTRIBUTIONS)):
        return None
    if turn.person.suspended:
        return [Text(text=turn.t("privacy.suspended"))]
    if turn.person.is_staff:
        return None
    limit = turn.config.posts_per_hour
    since = turn.now - timedelta(hours=1)
    authored = (
        (Initiative, Initiative.poster_id),
        (Idea, Idea.author_id),
        (Opinion, Opinion.person_id),
    )
    fresh = {id(obj) for obj in new_posts}
    recent = len(new_posts)
    for model, author in authored:
        rows = turn.db.exec(
            select(model).where(author == turn.person.id, model.created_at >= since)
        ).all()
        recent += sum(1 for row in rows if id(row) not in fresh)
    if recent > limit:
        return [Text(text=turn.t("privacy.too_many_posts", limit=limit))]
    return None


@router.before
def message_rate(turn: Turn) -> list[Reply] | None:
    """At most N events an hour per resident; the first over the limit is told, then quiet.

    Counted in the dispatcher's memory (per process; no row written per turn). A turn built
    without the dispatcher's counters falls back to a KeyValue row.
    """
    if turn.person.is_staff:
        return None
    limit = turn.config.messages_per_hour
    window = turn.now.strftime("%Y%m%d%H")
    if turn.counters is not None:
        count = turn.counters.hit(turn.person.id, window)
    else:
        key = f"rate:{turn.person.id}:{window}"
        row = turn.db.get(KeyValue, key)
        if row is None:
            row = KeyValue(key=key, value={"n": 0}, updated_at=turn.now)
        count = int(row.value.get("n", 0)) + 1
        row.value = {"n": count}
        row.updated_at = turn.now
        turn.db.add(row)
    if count <= limit:
        return None
    return [Text(text=turn.t("privacy.too_many_messages"))] if count == limit + 1 else []


# ------------------------------------------------------------------ マイデータ


@router.command("mydata", keywords="keywords.mydata")
def mydata(turn: Turn, _args: str = "") -> None:
    turn.say(my_data_card(turn))


def _count(turn: Turn, model: type, column: Any) -> int:
    return turn.db.exec(
        select(func.count()).select_from(model).where(column == turn.person.id)
    ).one()


def my_data_card(turn: Turn) -> Card:
    p = turn.person
    counts = turn.t(
        "privacy.counts",
        initiatives=_count(turn, Initiative, Initiative.poster_id),
        participations=_count(turn, Participation, Participation.person_id),
        ideas=_count(turn, Idea, Idea.author_id),
        opinions=_count(turn, Opinion, Opinion.person_id),
        rsvps=_count(turn, Rsvp, Rsvp.person_id),
    )
    consented = (
        turn.local(p.consented_at).strftime("%Y-%m-%d")
        if p.consented_at
        else turn.t("privacy.field_none")
    )
    return Card(
        title=turn.t("privacy.mydata_title"),
        body=turn.t("privacy.mydata_body"),
        fields=(
            (turn.t("privacy.field_name"), p.display_name),
            (turn.t("privacy.field_language"), turn.t("profiles.language_name")),
            (turn.t("privacy.field_consent"), consented),
            (turn.t("privacy.field_counts"), counts),
        ),
        buttons=(
            Button(label=turn.t("privacy.download"), data=pack(MyDataAction("download"))),
            Button(
                label=turn.t("privacy.delete"), data=pack(MyDataAction("delete")), style="danger"
            ),
        ),
    )


def download(turn: Turn) -> None:
    """Two signed links (15 minutes): a page to read in the person's language, and JSON whose
    fields are explained. The text keeps both addresses for channels without link buttons."""
    config = turn.config
    html_url, json_url = (
        sign(
            config.public_base_url,
            f"/mydata/{turn.person.id}.{ext}",
            secret=config.secret_key,
            now=turn.now,
        )
        for ext in ("html", "json")
    )
    turn.say_text("privacy.download_ready", html=html_url, url=json_url)
    turn.say(
        Card(
            title=turn.t("privacy.download_title"),
            body=turn.t("privacy.download_body"),
            links=(
                Button(label=turn.t("privacy.open_page"), url=html_url, style="primary"),
                Button(label=turn.t("privacy.download_json"), url=json_url),
            ),
        )
    )


@router.action(MyDataAction)
def my_data_action(turn: Turn, act: MyDataAction) -> None:
    if act.step == "download":
        download(turn)
    elif act.step == "delete":
        turn.say(
            Choices(
                text=turn.t("privacy.delete_confirm"),
                buttons=(
                    Button(
                        label=turn.t("privacy.delete_yes"),
                        data=pack(MyDataAction("confirm", stored_id(turn.person.id))),
                        style="danger",
                    ),
                    Button(label=turn.t("common.cancel_button"), data=pack(MyDataAction("show"))),
                ),
            )
        )
    elif act.step == "confirm" and act.person != turn.person.id:
        turn.say_text("privacy.not_your_button")
    elif act.step == "confirm":
        placeholder = turn.t("common.deleted_user")
        turn.audit("person.erased", "person", turn.person.id)
        turn.dialog.clear()
        orphans = erase_person(turn.db, turn.person, placeholder=placeholder, now=turn.now)
        st = staff_translator(turn.catalog, turn.config)
        for org in orphans:  # staff decide what becomes of it (Slack staff channel)
            turn.audit(f"actor.{org.outcome}", "actor", org.actor_id)
            turn.notify_staff(
                Text(text=st(f"privacy.org_{org.outcome}", org=org.name)),
                dedupe_key=f"org-orphaned:{org.actor_id}:{turn.now.isoformat()}",
            )
        turn.say_text("privacy.deleted")
    else:
        turn.say(my_data_card(turn))
