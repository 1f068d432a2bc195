"""The residents' post dialog: step questions on a chat channel, a confirmation card to change any answer.

Answers are kept in the dialog state; nothing is written before 「投稿する」.
"""

from datetime import datetime
from functools import partial

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Card,
    Choices,
    DatetimeRequest,
)
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import initiative_actions as a
from handlers.common import REASK, menu_choices
from handlers.initiative_access import DIALOG_TTL, new_token, own_actor, postable_actors, say_stale
from handlers.initiative_posting import STAFF_POST, create_initiative, parse_iso
from handlers.initiative_views import (
    clean,
    dialog_step,
    initiative_card,
    labels,
)
from handlers.staff_post_form import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
)
from handlers.text_fields import parse_number
from storage.models import (
    Actor,
)

router = Router()

DONE = "__done"
SKIP = "__skip"
# ================================================================ posting: the dialog

FLOW = "ipost"
ORDER = ("title", "desc", "category", "area", "help", "date", "end", "capacity", "as", "confirm")


def _pick(op: str, value: str, token: str) -> str:
    return pack(a.PostPick(op, value, token))


@router.command("post", keywords="initiatives.kw_post")
def start_post(turn: Turn, _args: str) -> None:
    if turn.person.is_staff and STAFF_POST.uses_form(turn):  # a form channel, by capability
        return STAFF_POST.start(turn)
    turn.dialog.enter(FLOW, "ipost.title", ttl=DIALOG_TTL)
    turn.dialog.data = {"token": new_token(), "help": []}
    turn.say_text("initiatives.post_intro")
    ask(turn, "title")


def ask(turn: Turn, step: str) -> None:
    """Ask (or re-ask) one question of the post dialog."""
    d = turn.dialog.data
    token = d.get("token", "")
    t = turn.t
    turn.dialog.goto(f"ipost.{step}")
    if step == "title":
        turn.say_text("initiatives.ask_title", limit=TITLE_MAX)
    elif step == "desc":
        turn.say_text("initiatives.ask_desc", limit=DESCRIPTION_MAX)
    elif step == "category":
        buttons = tuple(
            Button(label=label, data=_pick("category", code, token))
            for code, label in turn.ward.categories.options(t.language)
        )
        turn.say(Choices(text=t("initiatives.ask_category"), buttons=buttons))
    elif step == "area":
        buttons = (
            *tuple(
                Button(label=label, data=_pick("area", code, token))
                for code, label in turn.ward.areas.options(t.language)
            ),
            Button(label=t("initiatives.any_area"), data=_pick("area", SKIP, token)),
        )
        turn.say(Choices(text=t("initiatives.ask_area"), buttons=buttons))
    elif step == "help":
        chosen = set(d.get("help") or [])
        buttons = (
            *tuple(
                Button(
                    label=("✓ " if code in chosen else "") + label, data=_pick("help", code, token)
                )
                for code, label in turn.ward.strengths.options(t.language)
            ),
            Button(label=t("initiatives.decide"), data=_pick("help", DONE, token), style="primary"),
        )
        now = labels(turn.ward.strengths, d.get("help"), t.language) or t("initiatives.none")
        turn.say(Choices(text=t("initiatives.ask_help", chosen=now), buttons=buttons))
    elif step in ("date", "end"):
        local_now = turn.local(turn.now).strftime("%Y-%m-%dT%H:%M")
        minimum = local_now
        if step == "end" and d.get("starts"):
            minimum = turn.local(datetime.fromisoformat(d["starts"])).strftime("%Y-%m-%dT%H:%M")
        turn.say(
            DatetimeRequest(
                text=t("initiatives.ask_date" if step == "date" else "initiatives.ask_end"),
                label=t("initiatives.pick_date"),
                data=_pick(step, "pick", token),
                minimum=minimum,
                cancel=Button(label=t("common.skip"), data=_pick(step, SKIP, token)),
            )
        )
    elif step == "capacity":
        turn.say(
            Choices(
                text=t("initiatives.ask_capacity", limit=CAPACITY_MAX),
                buttons=(
                    Button(label=t("initiatives.no_capacity"), data=_pick("capacity", SKIP, token)),
                ),
            )
        )
    elif step == "as":
        buttons = tuple(
            Button(label=actor.name, data=_pick("as", str(actor.id), token))
            for actor in postable_actors(turn)
        )
        turn.say(Choices(text=t("initiatives.ask_as"), buttons=buttons))
    elif step == "confirm":
        _confirm(turn)


for _step in ORDER:
    REASK[f"ipost.{_step}"] = partial(ask, step=_step)


def _advance(turn: Turn, step: str) -> None:
    """Go on after answering ``step``: back to the card when editing, else the next question."""
    d = turn.dialog.data
    if d.get("editing"):
        return ask(turn, "confirm")
    nxt = ORDER[ORDER.index(step) + 1]
    if nxt == "end" and not d.get("starts"):
        nxt = "capacity"
    if nxt == "as" and len(postable_actors(turn)) == 1:
        d["actor_id"] = own_actor(turn).id
        nxt = "confirm"
    ask(turn, nxt)


def _draft_card(turn: Turn) -> Card:
    d = turn.dialog.data
    t = turn.t
    lang = t.language
    actor = turn.db.get(Actor, d.get("actor_id") or own_actor(turn).id)
    starts = parse_iso(d.get("starts"))
    ends = parse_iso(d.get("ends"))
    from handlers.initiative_views import date_text

    return Card(
        title=d.get("title", ""),
        body=d.get("description", ""),
        fields=(
            (t("initiatives.f_actor"), actor.name if actor else ""),
            (t("initiatives.f_category"), turn.ward.categories.label(d.get("category"), lang)),
            (
                t("initiatives.f_area"),
                turn.ward.areas.label(d.get("area"), lang) or t("initiatives.any_area"),
            ),
            (t("initiatives.f_date"), date_text(t, turn.ward, starts, ends)),
            (t("initiatives.f_help"), labels(turn.ward.strengths, d.get("help"), lang) or "-"),
            (
                t("initiatives.f_capacity"),
                str(d["capacity"]) if d.get("capacity") else t("initiatives.no_capacity"),
            ),
        ),
        buttons=(
            Button(
                label=t("initiatives.submit"),
                data=_pick("submit", "", d.get("token", "")),
                style="primary",
            ),
        ),
        badge=t("initiatives.draft"),
    )


EDITABLE = ("title", "desc", "category", "area", "help", "date", "capacity", "as")


def _confirm(turn: Turn) -> None:
    d = turn.dialog.data
    d["editing"] = True
    turn.dialog.goto("ipost.confirm")
    t = turn.t
    fields = [f for f in EDITABLE if f != "as" or len(postable_actors(turn)) > 1]
    buttons = (
        *tuple(
            Button(label=t(f"initiatives.edit_{f}"), data=_pick("edit", f, d.get("token", "")))
            for f in fields
        ),
        Button(
            label=t("initiatives.submit"),
            data=_pick("submit", "", d.get("token", "")),
            style="primary",
        ),
    )
    turn.say(_draft_card(turn), Choices(text=t("initiatives.confirm"), buttons=buttons))


@dialog_step(router, "ipost.title")
def answer_title(turn: Turn, text: str) -> None:
    value = clean(turn, text, TITLE_MAX)
    if value is None:
        return
    turn.dialog.data["title"] = value
    _advance(turn, "title")


@dialog_step(router, "ipost.desc")
def answer_desc(turn: Turn, text: str) -> None:
    value = clean(turn, text, DESCRIPTION_MAX, multiline=True)
    if value is None:
        return
    turn.dialog.data["description"] = value
    _advance(turn, "desc")


@dialog_step(router, "ipost.capacity")
def answer_capacity(turn: Turn, text: str) -> None:
    value = parse_number(text)
    if value is None or not 1 <= value <= CAPACITY_MAX:
        turn.say_text("initiatives.bad_capacity", limit=CAPACITY_MAX)
        return ask(turn, "capacity")
    turn.dialog.data["capacity"] = value
    _advance(turn, "capacity")


def _buttons_please(turn: Turn, _text: str) -> None:
    turn.say_text("initiatives.use_buttons")
    REASK[turn.dialog.step or ""](turn)


for _step in ("category", "area", "help", "date", "end", "as", "confirm"):
    dialog_step(router, f"ipost.{_step}")(_buttons_please)


@router.action(a.PostPick)
def post_pick(turn: Turn, act: a.PostPick) -> None:
    d = turn.dialog.data
    if turn.dialog.flow != FLOW or not turn.dialog.active or d.get("token") != act.token:
        if turn.dialog.flow == FLOW and turn.dialog.active:
            return say_stale(turn)
        turn.say_text("initiatives.stale_dialog")
        turn.say(menu_choices(turn))
        return
    step = (turn.dialog.step or "").removeprefix("ipost.")
    if act.op in ("edit", "submit"):
        if step != "confirm":
            return say_stale(turn)
    elif act.op != step:
        return say_stale(turn)
    handler = _PICKS.get(act.op)
    if handler is None:
        return say_stale(turn)
    handler(turn, act.value)


def _pick_category(turn: Turn, value: str) -> None:
    if value not in turn.ward.categories:
        return say_stale(turn)
    turn.dialog.data["category"] = value
    _advance(turn, "category")


def _pick_area(turn: Turn, value: str) -> None:
    if value != SKIP and value not in turn.ward.areas:
        return say_stale(turn)
    turn.dialog.data["area"] = None if value == SKIP else value
    _advance(turn, "area")


def _pick_help(turn: Turn, value: str) -> None:
    d = turn.dialog.data
    if value == DONE:
        return _advance(turn, "help")
    if value not in turn.ward.strengths:
        return say_stale(turn)
    chosen = list(d.get("help") or [])
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    d["help"] = [c for c in turn.ward.strengths.codes if c in chosen]
    ask(turn, "help")


def _picked_datetime(turn: Turn) -> datetime | None:
    params = getattr(turn.event, "params", {}) or {}
    raw = params.get("datetime") or params.get("date")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=turn.tz)
    return value.astimezone(turn.now.tzinfo)


def _pick_date(turn: Turn, value: str, *, end: bool = False) -> None:
    d = turn.dialog.data
    step = "end" if end else "date"
    if value == SKIP:
        if end:
            d["ends"] = None
        else:
            d["starts"] = d["ends"] = None
        return _advance(turn, step)
    when = _picked_datetime(turn)
    if when is None:
        turn.say_text("initiatives.bad_date")
        return ask(turn, step)
    if when < turn.now:
        turn.say_text("initiatives.past_date")
        return ask(turn, step)
    if end:
        starts = parse_iso(d.get("starts"))
        if starts is not None and when <= starts:
            turn.say_text("initiatives.end_before_start")
            return ask(turn, step)
        d["ends"] = when.isoformat()
        return _advance(turn, step)
    d["starts"] = when.isoformat()
    ends = parse_iso(d.get("ends"))
    if ends is not None and ends <= when:
        d["ends"] = None
    ask(turn, "end")


def _pick_capacity(turn: Turn, value: str) -> None:
    if value != SKIP:
        return say_stale(turn)
    turn.dialog.data["capacity"] = None
    _advance(turn, "capacity")


def _pick_as(turn: Turn, value: str) -> None:
    allowed = {str(actor.id) for actor in postable_actors(turn)}
    if value not in allowed:
        turn.say_text("common.not_allowed")
        return ask(turn, "as")
    turn.dialog.data["actor_id"] = int(value)
    _advance(turn, "as")


def _pick_edit(turn: Turn, value: str) -> None:
    if value not in EDITABLE:
        return say_stale(turn)
    ask(turn, value)


def _pick_submit(turn: Turn, _value: str) -> None:
    d = turn.dialog.data
    missing = [k for k in ("title", "description", "category") if not d.get(k)]
    if missing:
        return ask(
            turn, {"title": "title", "description": "desc", "category": "category"}[missing[0]]
        )
    allowed = {actor.id for actor in postable_actors(turn)}
    actor_id = d.get("actor_id") or own_actor(turn).id
    if actor_id not in allowed:  # membership ended since the answer was given
        turn.say_text("common.not_allowed")
        return ask(turn, "as")
    d["actor_id"] = actor_id
    ini = create_initiative(turn, d)
    turn.dialog.clear()
    turn.say_text("initiatives.posted", title=ini.title)
    turn.say(initiative_card(turn, ini, detail=True))


_PICKS = {
    "category": _pick_category,
    "area": _pick_area,
    "help": _pick_help,
    "date": _pick_date,
    "end": lambda turn, value: _pick_date(turn, value, end=True),
    "capacity": _pick_capacity,
    "as": _pick_as,
    "edit": _pick_edit,
    "submit": _pick_submit,
}
