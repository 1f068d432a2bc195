"""Follow settings: which categories and areas a person follows, and whether news comes as a
digest or immediately (one mode for all of a person's subscriptions)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from bot.core.actions import pack
from bot.core.replies import Button, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import initiative_actions as a
from storage.db import stored_id
from storage.models import Subscription
from storage.queries import profiles as pq

router = Router()


def follow_summary(turn: Turn, subs: Sequence[Subscription]) -> str:
    t = turn.t
    if not subs:
        return t("profiles.follow_none")
    lang = t.language
    names = [
        (turn.ward.categories if s.topic == "category" else turn.ward.areas).label(s.value, lang)
        for s in subs
    ]
    mode = subs[0].mode
    return "、".join(names) + " / " + t(f"profiles.mode_{mode}")


# ================================================================ follow settings


def _subs(turn: Turn) -> list[Subscription]:
    return list(pq.subscriptions(turn.db, turn.person.id))


@router.action(a.FollowSettings)
def follow_settings(turn: Turn, _act: a.FollowSettings) -> None:
    t = turn.t
    subs = _subs(turn)
    turn.say(
        Choices(
            text=t("profiles.follow_now", summary=follow_summary(turn, subs)),
            buttons=(
                Button(label=t("profiles.b_follow_category"), data=pack(a.FollowPick("category"))),
                Button(label=t("profiles.b_follow_area"), data=pack(a.FollowPick("area"))),
                Button(label=t("profiles.mode_digest"), data=pack(a.FollowMode("digest"))),
                Button(label=t("profiles.mode_immediate"), data=pack(a.FollowMode("immediate"))),
            ),
        )
    )


def _topic_vocab(turn: Turn, topic: str):
    return {"category": turn.ward.categories, "area": turn.ward.areas}.get(topic)


@router.action(a.FollowPick)
def follow_pick(turn: Turn, act: a.FollowPick) -> None:
    vocab = _topic_vocab(turn, act.topic)
    if vocab is None:
        turn.say_text("initiatives.stale_button")
        return
    t = turn.t
    chosen = {s.value for s in _subs(turn) if s.topic == act.topic}
    buttons = (
        *tuple(
            Button(
                label=("✓ " if code in chosen else "") + label,
                data=pack(a.FollowToggle(act.topic, code)),
            )
            for code, label in vocab.options(t.language)
        ),
        Button(label=t("initiatives.decide"), data=pack(a.FollowSettings()), style="primary"),
    )
    turn.say(Choices(text=t(f"profiles.ask_follow_{act.topic}"), buttons=buttons))


@router.action(a.FollowToggle)
def follow_toggle(turn: Turn, act: a.FollowToggle) -> None:
    vocab = _topic_vocab(turn, act.topic)
    if vocab is None or act.value not in vocab:
        turn.say_text("initiatives.stale_button")
        return
    subs = _subs(turn)
    existing = next((s for s in subs if s.topic == act.topic and s.value == act.value), None)
    if existing is not None:
        turn.db.delete(existing)
    else:
        mode = subs[0].mode if subs else "digest"
        try:
            with turn.db.begin_nested():
                turn.db.add(
                    Subscription(
                        person_id=stored_id(turn.person.id),
                        topic=act.topic,
                        value=act.value,
                        mode=mode,
                        created_at=turn.now,
                    )
                )
        except IntegrityError:
            pass
    turn.db.flush()
    follow_pick(turn, a.FollowPick(act.topic))


@router.action(a.FollowMode)
def follow_mode(turn: Turn, act: a.FollowMode) -> None:
    if act.mode not in ("digest", "immediate"):
        turn.say_text("initiatives.stale_button")
        return
    subs = _subs(turn)
    if not subs:
        turn.say_text("profiles.follow_first")
        return follow_settings(turn, a.FollowSettings())
    for s in subs:
        s.mode = act.mode
        turn.db.add(s)
    turn.say_text(f"profiles.mode_set_{act.mode}")
