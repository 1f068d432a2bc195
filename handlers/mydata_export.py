"""マイデータ as a person can read it: every section of what Kyodo holds about them, with names
instead of internal codes, in their language.

One structure feeds both downloads: the JSON (section → rows of field → value, plus ``fields``,
an explanation of every field name) and the HTML page (``bot.web.mydata``). Internal ids,
channel ids, Slack message stamps and tokens are left out: they mean nothing to the person and
some (the calendar token) are secrets. Area, category, strength, status and role codes become
their labels (「阿佐谷」, not ``asagaya``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.ward import Vocabulary, Ward
from handlers.idea_views import status_label as idea_status
from handlers.initiative_views import kind_label, status_label
from storage.models import (
    Actor,
    Idea,
    IdeaCall,
    IdeaSupport,
    Initiative,
    Meeting,
    Membership,
    Opinion,
    OpinionRequest,
    Participation,
    Person,
    Report,
    Rsvp,
    Subscription,
)

# (section, its fields) in the order the page shows them. Each field has a catalog label
# ``mydata.f_<field>`` and an explanation ``mydata.e_<field>``; each section ``mydata.s_<section>``.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("person", ("display_name", "language", "consented_at", "registered_at")),
    ("profile", ("name", "area", "activity", "interests", "strengths")),
    ("memberships", ("organisation", "role", "since")),
    ("subscriptions", ("topic", "value", "delivery")),
    ("initiatives", ("title", "description", "category", "area", "help_wanted", "starts_on",
                     "capacity", "status", "result_summary", "posted_at")),
    ("participations", ("initiative", "participation", "message", "since")),
    ("ideas", ("call", "body", "reason", "anonymous", "idea_status", "answer", "posted_at")),
    ("supports", ("idea", "since")),
    ("opinions", ("question", "body", "posted_at")),
    ("rsvps", ("meeting", "starts_at", "rsvp")),
    ("reports", ("reported", "reason", "posted_at")),
)  # fmt: skip
SINGLE = ("person", "profile")  # one row, exported as an object rather than a list


@dataclass(frozen=True)
class Exported:
    """The readable export: ``sections[name]`` is a list of rows (field → display text)."""

    language: str
    generated_at: str
    sections: dict[str, list[dict[str, str]]]

    def as_json(self, t: Translator) -> dict[str, Any]:
        data: dict[str, Any] = {
            "about": t("mydata.about"),
            "generated_at": self.generated_at,
            "language": t("profiles.language_name"),
        }
        for name, _ in SECTIONS:
            rows = self.sections[name]
            data[name] = (rows[0] if rows else None) if name in SINGLE else rows
        data["fields"] = {
            name: {
                "title": t(f"mydata.s_{name}"),
                "fields": {f: f"{t('mydata.f_' + f)}: {t('mydata.e_' + f)}" for f in fields},
            }
            for name, fields in SECTIONS
        }
        return data


class _Format:
    def __init__(self, t: Translator, ward: Ward):
        self.t, self.ward, self.lang = t, ward, t.language
        self.tz = ZoneInfo(ward.timezone)

    def when(self, value: datetime | None, *, time: bool = True) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        return f"{local:%Y-%m-%d %H:%M}" if time else f"{local:%Y-%m-%d}"

    def names(self, vocab: Vocabulary, codes: Iterable[str] | None) -> str:
        sep = ", " if self.lang == "en" else "、"
        return sep.join(vocab.label(c, self.lang) for c in codes or [])

    def yes_no(self, value: bool) -> str:
        return self.t("mydata.yes" if value else "mydata.no")


def export_readable(
    db: Session, person: Person, t: Translator, ward: Ward, now: datetime
) -> Exported:
    """Everything Kyodo holds about ``person``, readable (names, labels, local times)."""
    f = _Format(t, ward)
    pid = person.id
    out: dict[str, list[dict[str, str]]] = {name: [] for name, _ in SECTIONS}
    out["person"] = [
        {
            "display_name": person.display_name,
            "language": t("profiles.language_name"),  # t speaks the person's language
            "consented_at": f.when(person.consented_at) or t("privacy.field_none"),
            "registered_at": f.when(person.created_at),
        }
    ]
    actor = db.get(Actor, person.actor_id) if person.actor_id else None
    if actor is not None:
        out["profile"] = [
            {
                "name": actor.name,
                "area": ward.areas.label(actor.area, f.lang) if actor.area else "",
                "activity": actor.activity,
                "interests": f.names(ward.categories, actor.interests),
                "strengths": f.names(ward.strengths, actor.strengths),
            }
        ]
    for m, org in db.exec(
        select(Membership, Actor)
        .join(Actor, col(Actor.id) == col(Membership.actor_id))
        .where(Membership.person_id == pid)
    ).all():
        role = t(f"profiles.role_{m.role}") if m.role in ("admin", "member") else m.role
        out["memberships"].append(
            {"organisation": f"{org.name}（{kind_label(t, org.kind)}）", "role": role,
             "since": f.when(m.created_at, time=False)}
        )  # fmt: skip
    for s in db.exec(select(Subscription).where(Subscription.person_id == pid)).all():
        vocab = ward.areas if s.topic == "area" else ward.categories
        out["subscriptions"].append(
            {"topic": t("mydata.topic_area" if s.topic == "area" else "mydata.topic_category"),
             "value": vocab.label(s.value, f.lang),
             "delivery": t("profiles.mode_immediate" if s.mode == "immediate" else "profiles.mode_digest")}
        )  # fmt: skip
    for i in db.exec(select(Initiative).where(Initiative.poster_id == pid)).all():
        out["initiatives"].append(
            {
                "title": i.title,
                "description": i.description,
                "category": ward.categories.label(i.category, f.lang),
                "area": ward.areas.label(i.area, f.lang) if i.area else "",
                "help_wanted": f.names(ward.strengths, i.help_wanted),
                "starts_on": f.when(i.starts_on),
                "capacity": str(i.capacity) if i.capacity else t("mydata.no_limit"),
                "status": status_label(t, i.status),
                "result_summary": i.result_summary or "",
                "posted_at": f.when(i.created_at),
            }
        )
    for p, ini in db.exec(
        select(Participation, Initiative)
        .join(Initiative, col(Initiative.id) == col(Participation.initiative_id))
        .where(Participation.person_id == pid)
    ).all():
        out["participations"].append(
            {"initiative": ini.title, "participation": t(f"mydata.participation_{p.status}"),
             "message": p.message or "", "since": f.when(p.created_at)}
        )  # fmt: skip
    for idea, call in db.exec(
        select(Idea, IdeaCall)
        .join(IdeaCall, col(IdeaCall.id) == col(Idea.call_id))
        .where(Idea.author_id == pid)
    ).all():
        out["ideas"].append(
            {"call": call.title, "body": idea.body, "reason": idea.reason or "",
             "anonymous": f.yes_no(idea.anonymous), "idea_status": idea_status(t, idea.status),
             "answer": idea.answer or "", "posted_at": f.when(idea.created_at)}
        )  # fmt: skip
    for support, idea in db.exec(
        select(IdeaSupport, Idea)
        .join(Idea, col(Idea.id) == col(IdeaSupport.idea_id))
        .where(IdeaSupport.person_id == pid)
    ).all():
        out["supports"].append({"idea": idea.body[:80], "since": f.when(support.created_at)})
    for op, req in db.exec(
        select(Opinion, OpinionRequest)
        .join(OpinionRequest, col(OpinionRequest.id) == col(Opinion.request_id))
        .where(Opinion.person_id == pid)
    ).all():
        out["opinions"].append(
            {"question": req.question, "body": op.body, "posted_at": f.when(op.created_at)}
        )
    for rsvp, meeting in db.exec(
        select(Rsvp, Meeting)
        .join(Meeting, col(Meeting.id) == col(Rsvp.meeting_id))
        .where(Rsvp.person_id == pid)
    ).all():
        out["rsvps"].append(
            {"meeting": meeting.title, "starts_at": f.when(meeting.starts_at),
             "rsvp": t(f"meetings.answer_{rsvp.answer}")}
        )  # fmt: skip
    for r in db.exec(select(Report).where(Report.person_id == pid)).all():
        out["reports"].append(
            {"reported": _reported(db, t, r), "reason": r.reason or "",
             "posted_at": f.when(r.created_at)}
        )  # fmt: skip
    return Exported(language=f.lang, generated_at=f.when(now), sections=out)


def _reported(db: Session, t: Translator, report: Report) -> str:
    """What was reported, by its kind and title (never the other person's name)."""
    kind = t(f"moderation.kind_{report.entity}") if report.entity in KINDS else report.entity
    model = KINDS.get(report.entity)
    row = db.get(model, report.entity_id) if model is not None else None
    title = getattr(row, "title", None) or getattr(row, "body", "") if row is not None else ""
    return f"{kind}「{title[:40]}」" if title else kind


KINDS: dict[str, Any] = {"initiative": Initiative, "idea": Idea, "opinion": Opinion}
