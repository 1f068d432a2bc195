"""取組提示型: post an initiative, browse and search, 「参加したい」, opinions, lifecycle, staff.

The post dialog collects answers in the dialog state and writes the Initiative row only on
「投稿する」; any answer can be changed from the confirmation card. Every button is a claim:
existence, state and permission are checked again here, on the server.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Card,
    Carousel,
    Choices,
    DatetimeRequest,
    Reply,
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.cancel_form import CANCEL_FIELDS, CancelDraft
from handlers.common import REASK, menu_choices
from handlers.initiative_views import (
    clean,
    dialog_step,
    initiative_card,
    labels,
    refresh_staff_card,
    sanitize,
    staff_card,
    status_label,
    thread_key,
)
from handlers.meetings import RECORD_FOLLOWUPS
from handlers.opinion_form import (
    OPINION_FIELDS,
    OPINION_REQUEST_FIELDS,
    OpinionDraft,
    OpinionRequestDraft,
)
from handlers.result_form import RESULT_FIELDS, ResultDraft
from handlers.staff_post_form import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    STAFF_POST_FIELDS,
    TITLE_MAX,
    WARD,
    StaffPostDraft,
)
from handlers.text_fields import parse_number
from storage import ledger
from storage.db import is_postgres, stored_id
from storage.models import (
    Actor,
    ActorKind,
    Initiative,
    InitiativeStatus,
    Opinion,
    OpinionRequest,
    Participation,
    Person,
    Subscription,
)
from storage.queries import initiatives as q

router = Router()

MESSAGE_MAX = 500
KEYWORD_MAX = 20
DIALOG_TTL = timedelta(days=1)
DONE = "__done"
SKIP = "__skip"

S = InitiativeStatus
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECRUITING: (S.PREPARING, S.RUNNING, S.CANCELLED),
    S.PREPARING: (S.RUNNING, S.RECRUITING, S.CANCELLED),
    S.RUNNING: (S.DONE, S.CANCELLED),
    S.DONE: (),
    S.CANCELLED: (),
}
JOINABLE = (S.RECRUITING, S.PREPARING)
FINAL = (S.DONE, S.CANCELLED)  # no participation change after these (join, withdraw, undo)

# ================================================================ helpers


def _get(turn: Turn, initiative_id: int, *, for_update: bool = False) -> Initiative | None:
    """A visible initiative, or None after saying it is gone (hidden counts as gone)."""
    stmt = select(Initiative).where(Initiative.id == initiative_id)
    if for_update and is_postgres(turn.db.get_bind()):
        stmt = stmt.with_for_update()
    ini = turn.db.exec(stmt).first()
    if ini is None or (ini.hidden and not turn.person.is_staff):
        turn.say_text("common.not_found")
        return None
    return ini


def _managed(turn: Turn, initiative_id: int, *, for_update: bool = False) -> Initiative | None:
    ini = _get(turn, initiative_id, for_update=for_update)
    if ini is None:
        return None
    if not q.can_manage(turn.db, ini, turn.person):
        turn.say_text("common.not_allowed")
        return None
    return ini


def _token() -> str:
    return secrets.token_hex(4)


def _stale(turn: Turn) -> None:
    """A button from another step or an older dialog: say so, keep the answers, re-ask."""
    turn.say_text("initiatives.stale_button")
    reask = REASK.get(turn.dialog.step or "")
    if reask is not None:
        reask(turn)


def _touch(turn: Turn, ini: Initiative) -> None:
    ini.updated_at = turn.now
    turn.db.add(ini)


def _ts(turn: Turn) -> int:
    return int(turn.now.timestamp())


def _name(turn: Turn, person: Person | None) -> str:
    if person is None or person.deleted:
        return turn.t("common.deleted_user")
    return person.display_name


def _active_people(turn: Turn, ini: Initiative) -> list[Person]:
    return [p for _, p in q.participants(turn.db, stored_id(ini.id))]


def own_actor(turn: Turn) -> Actor:
    """The person's own 個人 profile (created on first need)."""
    person = turn.person
    actor = turn.db.get(Actor, person.actor_id) if person.actor_id else None
    if actor is None:
        actor = Actor(kind=ActorKind.INDIVIDUAL, name=person.display_name)
        turn.db.add(actor)
        turn.db.flush()
        person.actor_id = actor.id
        turn.db.add(person)
    return actor


def postable_actors(turn: Turn) -> list[Actor]:
    """Whom the person may post as: themselves, then their organisations."""
    return [own_actor(turn)] + [
        actor for _, actor in q.memberships(turn.db, stored_id(turn.person.id))
    ]


def ward_actor(turn: Turn) -> Actor:
    actor = turn.db.exec(select(Actor).where(Actor.kind == ActorKind.WARD)).first()
    if actor is None:
        actor = Actor(kind=ActorKind.WARD, name=turn.ward.display_name("ja"))
        turn.db.add(actor)
        turn.db.flush()
    return actor


# ================================================================ posting: shared


def create_initiative(turn: Turn, fields: dict[str, Any]) -> Initiative:
    """Write the initiative, tell staff (thread root), audit, and tell immediate followers."""
    ini = Initiative(
        actor_id=fields["actor_id"],
        poster_id=stored_id(turn.person.id),
        title=fields["title"],
        description=fields["description"],
        category=fields["category"],
        area=fields.get("area"),
        help_wanted=list(fields.get("help") or []),
        starts_on=_parse_iso(fields.get("starts")),
        ends_on=_parse_iso(fields.get("ends")),
        capacity=fields.get("capacity"),
        created_at=turn.now,
        updated_at=turn.now,
    )
    turn.db.add(ini)
    turn.db.flush()
    ledger.initiative_posted(turn.db, ini, turn.now)
    turn.audit("initiative.post", "initiative", ini.id, actor_id=ini.actor_id)
    turn.notify_staff(staff_card(turn, ini), thread_key=thread_key(ini))
    _notify_immediate_followers(turn, ini)
    return ini


def _notify_immediate_followers(turn: Turn, ini: Initiative) -> None:
    topics = [(Subscription.topic == "category") & (Subscription.value == ini.category)]
    if ini.area:
        topics.append((Subscription.topic == "area") & (Subscription.value == ini.area))
    cond = topics[0] if len(topics) == 1 else topics[0] | topics[1]
    person_ids = sorted(
        set(
            turn.db.exec(
                select(Subscription.person_id).where(cond, Subscription.mode == "immediate")
            ).all()
        )
    )
    for pid in person_ids:
        if pid == turn.person.id:
            continue
        person = turn.db.get(Person, pid)
        if person is None or person.deleted or person.suspended:
            continue
        t = turn.tr_for(person)
        turn.notify(
            person,
            Text(text=t("initiatives.new_for_follower")),
            initiative_card(turn, ini, viewer=person, t=t),
            kind="follow",
            dedupe_key=f"initiative:{ini.id}:new:{pid}",
        )


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


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
    turn.dialog.data = {"token": _token(), "help": []}
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
    starts = _parse_iso(d.get("starts"))
    ends = _parse_iso(d.get("ends"))
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
            return _stale(turn)
        turn.say_text("initiatives.stale_dialog")
        turn.say(menu_choices(turn))
        return
    step = (turn.dialog.step or "").removeprefix("ipost.")
    if act.op in ("edit", "submit"):
        if step != "confirm":
            return _stale(turn)
    elif act.op != step:
        return _stale(turn)
    handler = _PICKS.get(act.op)
    if handler is None:
        return _stale(turn)
    handler(turn, act.value)


def _pick_category(turn: Turn, value: str) -> None:
    if value not in turn.ward.categories:
        return _stale(turn)
    turn.dialog.data["category"] = value
    _advance(turn, "category")


def _pick_area(turn: Turn, value: str) -> None:
    if value != SKIP and value not in turn.ward.areas:
        return _stale(turn)
    turn.dialog.data["area"] = None if value == SKIP else value
    _advance(turn, "area")


def _pick_help(turn: Turn, value: str) -> None:
    d = turn.dialog.data
    if value == DONE:
        return _advance(turn, "help")
    if value not in turn.ward.strengths:
        return _stale(turn)
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
        starts = _parse_iso(d.get("starts"))
        if starts is not None and when <= starts:
            turn.say_text("initiatives.end_before_start")
            return ask(turn, step)
        d["ends"] = when.isoformat()
        return _advance(turn, step)
    d["starts"] = when.isoformat()
    ends = _parse_iso(d.get("ends"))
    if ends is not None and ends <= when:
        d["ends"] = None
    ask(turn, "end")


def _pick_capacity(turn: Turn, value: str) -> None:
    if value != SKIP:
        return _stale(turn)
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
        return _stale(turn)
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


# ================================================================ posting: staff form


def posted_by_staff(turn: Turn, draft: StaffPostDraft, _context: str) -> None:
    actor_id = ward_actor(turn).id if draft.actor in (None, WARD) else int(draft.actor)
    fields: dict[str, Any] = {
        "actor_id": actor_id,
        "title": draft.title,
        "description": draft.description,
        "category": draft.category,
        "area": draft.area,
        "help": draft.help or [],
        "starts": draft.starts.isoformat() if draft.starts else None,
        "capacity": draft.capacity,
    }
    ini = create_initiative(turn, fields)
    turn.audit("initiative.post_by_staff", "initiative", ini.id)
    turn.say_text("initiatives.posted", title=ini.title)


STAFF_POST = Wizard(
    flow="ipost_staff",
    title="initiatives.form_title",
    fields=STAFF_POST_FIELDS,
    draft=StaffPostDraft,
    submit=posted_by_staff,
    allowed=lambda turn, _context: turn.person.is_staff,
    refused="common.staff_only",
    submit_label="initiatives.submit",
    form_action=lambda _context: a.StaffPost(_token()),
)


@router.form(a.StaffPost)
def staff_post(turn: Turn, _act: a.StaffPost, values: dict[str, Any]) -> None:
    STAFF_POST.submitted(turn, "", values)


# ================================================================ browse and search


@router.command("browse", keywords="initiatives.kw_browse")
def browse(turn: Turn, _args: str) -> None:
    show_page(turn, "", "", "", 0)


def show_page(turn: Turn, category: str, area: str, keyword: str, offset: int) -> None:
    t = turn.t
    rows, more = q.browse(
        turn.db,
        category=category or None,
        area=area or None,
        keyword=keyword or None,
        offset=offset,
    )
    filters = _filter_text(turn, category, area, keyword)
    if not rows:
        turn.say_text(
            "initiatives.none_found" if offset == 0 else "initiatives.no_more", filters=filters
        )
    else:
        more_button = (
            Button(
                label=t("initiatives.more"),
                data=pack(a.Browse(category, area, keyword, offset + len(rows))),
            )
            if more
            else None
        )
        turn.say(
            Carousel(
                alt_text=t("initiatives.browse_alt", filters=filters),
                cards=tuple(initiative_card(turn, ini) for ini in rows),
                more=more_button,
            )
        )
    buttons = [
        Button(
            label=t("initiatives.by_category"),
            data=pack(a.BrowseFilter("category", category, area)),
        ),
        Button(label=t("initiatives.by_area"), data=pack(a.BrowseFilter("area", category, area))),
        Button(label=t("initiatives.by_keyword"), data=pack(a.BrowseSearch())),
    ]
    if category or area or keyword:
        buttons.append(Button(label=t("initiatives.show_all"), data=pack(a.Browse("", "", "", 0))))
    turn.say(Choices(text=t("initiatives.browse_filters", filters=filters), buttons=tuple(buttons)))


def _filter_text(turn: Turn, category: str, area: str, keyword: str) -> str:
    lang = turn.t.language
    parts = [
        turn.ward.categories.label(category, lang) if category else "",
        turn.ward.areas.label(area, lang) if area else "",
        f"「{keyword}」" if keyword else "",
    ]
    return " / ".join(p for p in parts if p) or turn.t("initiatives.all")


@router.action(a.Browse)
def browse_page(turn: Turn, act: a.Browse) -> None:
    category = act.category if act.category in turn.ward.categories else ""
    area = act.area if act.area in turn.ward.areas else ""
    keyword = sanitize(act.keyword)[:KEYWORD_MAX]
    show_page(turn, category, area, keyword, max(0, min(act.offset, 100000)))


@router.action(a.BrowseFilter)
def browse_filter(turn: Turn, act: a.BrowseFilter) -> None:
    t = turn.t
    if act.kind == "area":
        options = turn.ward.areas.options(t.language)
        buttons = tuple(
            Button(label=label, data=pack(a.Browse(act.category, code, "", 0)))
            for code, label in options
        )
        buttons += (
            Button(label=t("initiatives.all"), data=pack(a.Browse(act.category, "", "", 0))),
        )
        turn.say(Choices(text=t("initiatives.choose_area"), buttons=buttons))
    else:
        options = turn.ward.categories.options(t.language)
        buttons = tuple(
            Button(label=label, data=pack(a.Browse(code, act.area, "", 0)))
            for code, label in options
        )
        buttons += (Button(label=t("initiatives.all"), data=pack(a.Browse("", act.area, "", 0))),)
        turn.say(Choices(text=t("initiatives.choose_category"), buttons=buttons))


@router.action(a.BrowseSearch)
def browse_search(turn: Turn, _act: a.BrowseSearch) -> None:
    turn.dialog.enter("isearch", "isearch.keyword", ttl=DIALOG_TTL)
    ask_keyword(turn)


def ask_keyword(turn: Turn) -> None:
    turn.say_text("initiatives.ask_keyword", limit=KEYWORD_MAX)


REASK["isearch.keyword"] = ask_keyword


@dialog_step(router, "isearch.keyword")
def answer_keyword(turn: Turn, text: str) -> None:
    value = clean(turn, text, KEYWORD_MAX)
    if value is None:
        return
    turn.dialog.clear()
    show_page(turn, "", "", value, 0)


@router.action(a.Show)
def show(turn: Turn, act: a.Show) -> None:
    ini = _get(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status == S.CANCELLED and not q.can_manage(turn.db, ini, turn.person):
        turn.say_text("common.not_found")
        return
    turn.say(initiative_card(turn, ini, detail=True))


# ================================================================ 「参加したい」


@router.action(a.Join)
def join(turn: Turn, act: a.Join) -> None:
    ini = _get(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    if ini.status not in JOINABLE:
        turn.say_text("initiatives.closed", status=status_label(turn.t, ini.status))
        return
    if ini.poster_id == turn.person.id:
        turn.say_text("initiatives.own_initiative", title=ini.title)
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is not None and mine.status in q.ACTIVE:
        turn.say_text(
            "initiatives.already_joined"
            if mine.status == "joined"
            else "initiatives.already_waiting"
        )
        return
    joined, _waiting = q.counts(turn.db, stored_id(ini.id))
    status = "joined" if ini.capacity is None or joined < ini.capacity else "waitlisted"
    if mine is None:
        mine = Participation(
            initiative_id=stored_id(ini.id),
            person_id=stored_id(turn.person.id),
            actor_id=turn.person.actor_id,
            status=status,
            created_at=turn.now,
            updated_at=turn.now,
        )
        try:
            with turn.db.begin_nested():
                turn.db.add(mine)
        except IntegrityError:  # a double click raced us: the first one counts
            turn.say_text("initiatives.already_joined")
            return
    else:  # came back after withdrawing: to the end of the queue
        mine.status, mine.created_at, mine.updated_at = status, turn.now, turn.now
        turn.db.add(mine)
    turn.db.flush()
    turn.audit(f"participation.{status}", "initiative", ini.id)
    joined, waiting = q.counts(turn.db, stored_id(ini.id))
    if status == "joined":
        turn.say_text("initiatives.joined", title=ini.title)
    else:
        turn.say_text("initiatives.waitlisted", title=ini.title, position=waiting)
    tell_poster(
        turn,
        ini,
        "initiatives.poster_joined" if status == "joined" else "initiatives.poster_waitlisted",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:join:{mine.id}:{_ts(turn)}",
        joined=joined,
    )
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_joined",
                "ja",
                name=turn.person.display_name,
                status=status_label(turn.catalog.translator("ja"), ini.status),
                joined=joined,
                waiting=waiting,
            )
        ),
        thread_key=thread_key(ini),
    )
    refresh_staff_card(turn, ini)
    turn.say(
        Choices(
            text=turn.t("initiatives.ask_message_choice"),
            buttons=(
                Button(
                    label=turn.t("initiatives.send_message"),
                    data=pack(a.JoinMessage(stored_id(ini.id))),
                ),
                Button(
                    label=turn.t("common.skip"), data=pack(a.JoinMessageSkip(stored_id(ini.id)))
                ),
            ),
        )
    )


@router.action(a.JoinMessage)
def join_message(turn: Turn, act: a.JoinMessage) -> None:
    ini = _get(turn, act.initiative_id)
    if ini is None:
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status not in q.ACTIVE:
        turn.say_text("initiatives.not_joined")
        return
    turn.dialog.enter("ijoin", "ijoin.message", ttl=DIALOG_TTL)
    turn.dialog.data = {"initiative_id": ini.id}
    ask_join_message(turn)


def ask_join_message(turn: Turn) -> None:
    turn.say_text("initiatives.ask_message", limit=MESSAGE_MAX)


REASK["ijoin.message"] = ask_join_message


@dialog_step(router, "ijoin.message")
def answer_join_message(turn: Turn, text: str) -> None:
    ini = _get(turn, int(turn.dialog.data.get("initiative_id", 0)))
    if ini is None:
        turn.dialog.clear()
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status not in q.ACTIVE:
        turn.dialog.clear()
        turn.say_text("initiatives.not_joined")
        return
    value = clean(turn, text, MESSAGE_MAX, multiline=True)
    if value is None:
        return
    mine.message, mine.updated_at = value, turn.now
    turn.db.add(mine)
    tell_poster(
        turn,
        ini,
        "initiatives.poster_message",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:message:{mine.id}:{_ts(turn)}",
        message=value,
    )
    turn.dialog.clear()
    turn.say_text("initiatives.message_sent")


@router.action(a.JoinMessageSkip)
def join_message_skip(turn: Turn, _act: a.JoinMessageSkip) -> None:
    turn.say(menu_choices(turn, "initiatives.message_skipped"))


@router.action(a.Withdraw)
def withdraw(turn: Turn, act: a.Withdraw) -> None:
    ini = _get(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status not in q.ACTIVE:
        turn.say_text("initiatives.not_joined")
        return
    if closed_for_withdrawal(turn, ini):
        return
    was = mine.status
    mine.status, mine.updated_at = "withdrawn", turn.now
    turn.db.add(mine)
    turn.db.flush()
    turn.audit("participation.withdrawn", "initiative", ini.id)
    turn.say(
        Choices(
            text=turn.t("initiatives.withdrawn_undo", title=ini.title, minutes=10),
            buttons=(
                Button(
                    label=turn.t("initiatives.b_undo"),
                    data=pack(a.UndoWithdraw(stored_id(ini.id), was)),
                ),
            ),
        )
    )  # handlers/withdrawal.py takes the 取り消す (ten minutes, if the place is still free)
    promoted = _promote(turn, ini) if was == "joined" else None
    tell_poster(
        turn,
        ini,
        "initiatives.poster_withdrawn",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:withdraw:{mine.id}:{_ts(turn)}",
    )
    note = turn.catalog.text("initiatives.staff_withdrawn", "ja", name=turn.person.display_name)
    if promoted is not None:
        note += "\n" + turn.catalog.text(
            "initiatives.staff_promoted",
            "ja",
            name=_name(turn, turn.db.get(Person, promoted.person_id)),
        )
    turn.notify_staff(Text(text=note), thread_key=thread_key(ini))
    refresh_staff_card(turn, ini)


def closed_for_withdrawal(turn: Turn, ini: Initiative) -> bool:
    """After 完了 or 中止 nobody withdraws (forged and stale buttons included); says why."""
    if ini.status == InitiativeStatus.DONE:  # participants are frozen at 完了
        turn.say_text("initiatives.withdraw_after_done", title=ini.title)
        return True
    if ini.status in FINAL:
        turn.say_text("initiatives.closed_for_changes", status=status_label(turn.t, ini.status))
        return True
    return False


def _promote(turn: Turn, ini: Initiative) -> Participation | None:
    """Move the first waitlisted person up when a place is free, and tell them."""
    joined, _ = q.counts(turn.db, stored_id(ini.id))
    if ini.capacity is not None and joined >= ini.capacity:
        return None
    nxt = q.first_waitlisted(turn.db, stored_id(ini.id))
    if nxt is None:
        return None
    nxt.status, nxt.updated_at = "joined", turn.now
    turn.db.add(nxt)
    turn.db.flush()
    turn.audit("participation.promoted", "initiative", ini.id, person_id=nxt.person_id)
    person = turn.db.get(Person, nxt.person_id)
    if person is not None:
        t = turn.tr_for(person)
        turn.notify(
            person,
            Text(text=t("initiatives.promoted", title=ini.title)),
            initiative_card(turn, ini, viewer=person, t=t),
            kind="join",
            dedupe_key=f"initiative:{ini.id}:promoted:{nxt.id}:{_ts(turn)}",
        )
    return nxt


@router.action(a.Participants)
def list_participants(turn: Turn, act: a.Participants) -> None:
    ini = _managed(turn, act.initiative_id)
    if ini is None:
        return
    rows = q.participants(turn.db, stored_id(ini.id))
    if not rows:
        turn.say_text("initiatives.no_participants", title=ini.title)
        return
    lines = []
    for i, (p, person) in enumerate(rows, 1):
        mark = turn.t("initiatives.waitlist_mark") if p.status == "waitlisted" else ""
        line = f"{i}. {_name(turn, person)}{mark}"
        if p.message:
            line += f"\n   「{p.message}」"
        lines.append(line)
    turn.say_text("initiatives.participants", title=ini.title, lines="\n".join(lines))


# ================================================================ opinions (意見募集)


@router.action(a.OpinionAsk)
def opinion_ask(turn: Turn, act: a.OpinionAsk) -> None:
    ini = _managed(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status == S.CANCELLED:
        turn.say_text("initiatives.closed", status=status_label(turn.t, ini.status))
        return
    OPINION_REQUEST.start(turn, f"initiative:{ini.id}")


def send_opinion_request(turn: Turn, draft: OpinionRequestDraft, target: str) -> None:
    """Open the request (closing any earlier one) and ask the chosen audience."""
    ini = _managed(turn, int(target.partition(":")[2] or 0))
    if ini is None:
        return
    for old in turn.db.exec(
        select(OpinionRequest).where(
            OpinionRequest.initiative_id == ini.id, col(OpinionRequest.open).is_(True)
        )
    ).all():
        old.open = False
        turn.db.add(old)
    req = OpinionRequest(
        initiative_id=stored_id(ini.id),
        question=draft.question,
        audience=draft.audience,
        created_at=turn.now,
    )
    turn.db.add(req)
    turn.db.flush()
    turn.audit("opinion.ask", "initiative", ini.id, request_id=req.id, audience=draft.audience)
    people = {p.id: p for p in _active_people(turn, ini)}
    if draft.audience == "everyone":
        for sub in turn.db.exec(
            select(Subscription).where(
                Subscription.mode == "immediate",
                ((Subscription.topic == "category") & (Subscription.value == ini.category))
                | ((Subscription.topic == "area") & (Subscription.value == (ini.area or ""))),
            )
        ).all():
            person = turn.db.get(Person, sub.person_id)
            if person is not None:
                people[person.id] = person
    for pid, person in people.items():
        if pid == turn.person.id or person.deleted:
            continue
        t = turn.tr_for(person)
        turn.notify(
            person,
            Choices(
                text=t("initiatives.opinion_request", title=ini.title, question=req.question),
                buttons=(
                    Button(
                        label=t("initiatives.b_opinion"),
                        data=pack(a.OpinionAnswer(stored_id(req.id))),
                        style="primary",
                    ),
                ),
            ),
            kind="opinion",
            dedupe_key=f"opinion:{req.id}:ask:{pid}",
        )
    turn.notify_staff(
        Text(text=turn.catalog.text("initiatives.staff_question", "ja", question=req.question)),
        thread_key=thread_key(ini),
    )
    turn.say_text(
        "initiatives.question_sent",
        count=max(0, len(people) - (1 if turn.person.id in people else 0)),
    )


OPINION_REQUEST = Wizard(
    flow="iopinion",
    title="initiatives.b_ask",
    fields=OPINION_REQUEST_FIELDS,
    draft=OpinionRequestDraft,
    submit=send_opinion_request,
    confirm=False,
    forms=False,  # asked one at a time on every channel, as before
    ttl=DIALOG_TTL,
)
OPINION_REQUEST.register(router)


@router.action(a.OpinionAnswer)
def opinion_answer(turn: Turn, act: a.OpinionAnswer) -> None:
    req = turn.db.get(OpinionRequest, act.request_id)
    ini = _get(turn, req.initiative_id) if req is not None else None
    if req is None or ini is None:
        if req is None:
            turn.say_text("common.not_found")
        return
    if not req.open or ini.status == S.CANCELLED:
        turn.say_text("initiatives.opinion_closed")
        return
    if req.audience == "participants":
        mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
        if mine is None or mine.status not in q.ACTIVE:
            turn.say_text("initiatives.opinion_participants_only")
            return
    OPINION.start(turn, f"request:{req.id}")


def _open_request(turn: Turn, context: str) -> tuple[OpinionRequest, Initiative] | None:
    req = turn.db.get(OpinionRequest, int(context.partition(":")[2] or 0))
    ini = turn.db.get(Initiative, req.initiative_id) if req else None
    if req is None or ini is None or not req.open or ini.hidden or ini.status == S.CANCELLED:
        return None
    return req, ini


def _asked_question(turn: Turn, context: str) -> dict[str, Any]:
    found = _open_request(turn, context)
    return {"question": found[0].question if found else ""}


def send_opinion(turn: Turn, draft: OpinionDraft, context: str) -> None:
    """An answer to an open request: to the poster and the staff thread."""
    found = _open_request(turn, context)
    if found is None:
        turn.say_text("initiatives.opinion_closed")
        return
    req, ini = found
    op = Opinion(
        request_id=stored_id(req.id),
        person_id=stored_id(turn.person.id),
        body=draft.opinion,
        created_at=turn.now,
    )
    turn.db.add(op)
    turn.db.flush()
    tell_poster(
        turn,
        ini,
        "initiatives.poster_opinion",
        kind="opinion",
        dedupe_key=f"opinion:{op.id}:poster",
        body=draft.opinion,
    )
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_opinion", "ja", name=turn.person.display_name, body=draft.opinion
            )
        ),
        thread_key=thread_key(ini),
    )
    turn.say_text("initiatives.opinion_thanks")


OPINION = Wizard(
    flow="iopinion_answer",
    title="initiatives.b_opinion",
    fields=OPINION_FIELDS,
    draft=OpinionDraft,
    submit=send_opinion,
    shows=_asked_question,
    confirm=False,
    forms=False,  # a chat answer on every channel, as before
    ttl=DIALOG_TTL,
)
OPINION.register(router)


@router.action(a.OpinionList)
def opinion_list(turn: Turn, act: a.OpinionList) -> None:
    ini = _managed(turn, act.initiative_id)
    if ini is None:
        return
    requests = turn.db.exec(
        select(OpinionRequest)
        .where(OpinionRequest.initiative_id == ini.id)
        .order_by(col(OpinionRequest.id))
    ).all()
    if not requests:
        turn.say_text("initiatives.no_questions")
        return
    for req in requests:
        rows = turn.db.exec(
            select(Opinion, Person)
            .join(Person, col(Person.id) == Opinion.person_id)
            .where(Opinion.request_id == req.id, col(Opinion.hidden).is_(False))
            .order_by(col(Opinion.id))
        ).all()
        lines = "\n".join(
            turn.t("initiatives.answer_line", name=_name(turn, person), body=op.body)
            for op, person in rows
        ) or turn.t("initiatives.no_answers")
        state = turn.t("initiatives.open" if req.open else "initiatives.closed_short")
        text = turn.t("initiatives.answers", question=req.question, state=state, lines=lines)
        if req.open:
            turn.say(
                Choices(
                    text=text,
                    buttons=(
                        Button(
                            label=turn.t("initiatives.close_question"),
                            data=pack(a.OpinionClose(stored_id(req.id))),
                        ),
                    ),
                )
            )
        else:
            turn.say(Text(text=text))


@router.action(a.OpinionClose)
def opinion_close(turn: Turn, act: a.OpinionClose) -> None:
    req = turn.db.get(OpinionRequest, act.request_id)
    if req is None:
        turn.say_text("common.not_found")
        return
    if _managed(turn, req.initiative_id) is None:
        return
    if req.open:
        req.open = False
        turn.db.add(req)
        turn.audit("opinion.close", "initiative", req.initiative_id, request_id=req.id)
    turn.say_text("initiatives.question_closed")


# ================================================================ lifecycle


@router.action(a.StatusMenu)
def status_menu(turn: Turn, act: a.StatusMenu) -> None:
    ini = _managed(turn, act.initiative_id)
    if ini is None:
        return
    nexts = TRANSITIONS[S(ini.status)]
    if not nexts:
        turn.say_text("initiatives.final_status", status=status_label(turn.t, ini.status))
        return
    turn.say(
        Choices(
            text=turn.t("initiatives.ask_status", status=status_label(turn.t, ini.status)),
            buttons=tuple(
                Button(
                    label=status_label(turn.t, s),
                    data=pack(a.SetStatus(stored_id(ini.id), str(s), str(ini.status))),
                    style="danger" if s == S.CANCELLED else "default",
                )
                for s in nexts
            ),
        )
    )


@router.action(a.SetStatus)
def set_status(turn: Turn, act: a.SetStatus) -> None:
    ini = _managed(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    if act.current != ini.status:
        turn.say_text(
            "initiatives.status_changed_meanwhile", status=status_label(turn.t, ini.status)
        )
        return
    if act.status not in TRANSITIONS[S(ini.status)]:
        turn.say_text("common.not_allowed")
        return
    if act.status == S.DONE:
        return RESULTS.start(turn, f"initiative:{ini.id}")
    if act.status == S.CANCELLED and CANCEL.uses_form(turn):
        # cannot be undone: staff give a reason and confirm in a form (Slack modal) first;
        # a poster in chat keeps the one-tap 中止 of the status menu
        return CANCEL.start(turn, f"initiative:{ini.id}:{ini.status}")
    apply_status(turn, ini, S(act.status))


def cancelled(turn: Turn, draft: CancelDraft, context: str) -> None:
    """中止 confirmed with a reason: re-checked now (a stale form changes nothing)."""
    _, raw_id, was = [*context.split(":"), "", ""][:3]
    ini = _managed(turn, int(raw_id) if raw_id.isdigit() else 0, for_update=True)
    if ini is None:
        return
    if ini.status == S.CANCELLED:
        turn.say_text("staff.already_cancelled", title=ini.title)
        return
    if ini.status != was or S.CANCELLED not in TRANSITIONS[S(ini.status)]:
        turn.say_text(
            "initiatives.status_changed_meanwhile", status=status_label(turn.t, ini.status)
        )
        return
    apply_status(turn, ini, S.CANCELLED, reason=draft.reason)


CANCEL = Wizard(
    flow="icancel",
    title="staff.cancel_title",
    fields=CANCEL_FIELDS,
    draft=CancelDraft,
    submit=cancelled,
    submit_label="staff.cancel_submit",
    ttl=DIALOG_TTL,
)
CANCEL.register(router)


def apply_status(
    turn: Turn, ini: Initiative, new: InitiativeStatus, *, reason: str | None = None
) -> None:
    """Change the status, tell everyone taking part (with the reason of a 中止), refresh
    the staff card. The reason is kept in the audit entry, which 履歴 shows."""
    old = ini.status
    ini.status = new
    _touch(turn, ini)
    turn.db.flush()
    ledger.initiative_status(turn.db, ini, new, turn.now)
    detail = {"old": str(old), "new": str(new)} | ({"reason": reason} if reason else {})
    turn.audit("initiative.status", "initiative", ini.id, **detail)
    for person in _active_people(turn, ini):
        if person.id == turn.person.id or person.deleted:
            continue
        t = turn.tr_for(person)
        notice: list[Reply] = [
            Text(text=t("initiatives.status_notice", title=ini.title, status=status_label(t, new)))
        ]
        if new == S.DONE:  # the results report, and a button to open the initiative
            notice.append(initiative_card(turn, ini, viewer=person, t=t))
        if reason:
            notice.append(Text(text=t("initiatives.cancel_reason", reason=reason)))
        turn.notify(
            person,
            *notice,
            kind="status",
            dedupe_key=f"initiative:{ini.id}:status:{new}:{person.id}",
        )
    refresh_staff_card(turn, ini)
    turn.say_text("initiatives.status_set", title=ini.title, status=status_label(turn.t, new))


def recorded_results(turn: Turn, draft: ResultDraft, target: str) -> None:
    """The results report is complete: store it with the status change, tell the staff."""
    ini = _managed(turn, int(target.partition(":")[2] or 0), for_update=True)
    if ini is None:
        return
    if S.DONE not in TRANSITIONS[S(ini.status)]:
        turn.say_text(
            "initiatives.status_changed_meanwhile", status=status_label(turn.t, ini.status)
        )
        return
    ini.result_summary = draft.summary
    ini.result_participants = draft.count
    ini.result_reflection = draft.reflection
    apply_status(turn, ini, S.DONE)
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_result",
                "ja",
                summary=ini.result_summary,
                count=ini.result_participants,
                reflection=draft.reflection,
            )
        ),
        thread_key=thread_key(ini),
    )


RESULTS = Wizard(
    flow="iresult",
    title="initiatives.status_done",
    fields=RESULT_FIELDS,
    draft=ResultDraft,
    submit=recorded_results,
    confirm=False,
    forms=False,  # asked one at a time on every channel, as before
    ttl=DIALOG_TTL,
)
RESULTS.register(router)


# ================================================================ staff facilitation


@router.action(a.Claim)
def claim(turn: Turn, act: a.Claim) -> None:
    if not turn.require_staff():
        return
    ini = _get(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    if ini.facilitator_id == turn.person.id:
        turn.say_text("initiatives.already_claimed")
        return
    previous = ini.facilitator_id
    ini.facilitator_id = turn.person.id
    _touch(turn, ini)
    turn.db.flush()
    turn.audit("initiative.claim", "initiative", ini.id, previous=previous)
    refresh_staff_card(turn, ini)
    turn.say_text("initiatives.claimed", title=ini.title)


@router.action(a.Match)
def match(turn: Turn, act: a.Match) -> None:
    if not turn.require_staff():
        return
    ini = _get(turn, act.initiative_id)
    if ini is None:
        return
    found = q.shortlist(turn.db, ini)
    if not found:
        turn.say_text("initiatives.no_matches")
        return
    lang = turn.t.language
    lines = []
    for i, m in enumerate(found, 1):
        why = []
        if m.category:
            why.append(
                turn.t(
                    "initiatives.why_category",
                    category=turn.ward.categories.label(ini.category, lang),
                )
            )
        if m.area:
            why.append(turn.t("initiatives.why_area", area=turn.ward.areas.label(ini.area, lang)))
        if m.strengths:
            why.append(
                turn.t(
                    "initiatives.why_strengths",
                    strengths=labels(turn.ward.strengths, m.strengths, lang),
                )
            )
        lines.append(f"{i}. {m.actor.name}（{', '.join(why)}）")
    turn.say(
        Choices(
            text=turn.t("initiatives.matches", title=ini.title, lines="\n".join(lines)),
            buttons=tuple(
                Button(
                    label=turn.t("initiatives.invite", name=m.actor.name[:12]),
                    data=pack(a.Invite(stored_id(ini.id), stored_id(m.actor.id))),
                )
                for m in found
            ),
        )
    )


@router.action(a.Invite)
def invite(turn: Turn, act: a.Invite) -> None:
    if not turn.require_staff():
        return
    ini = _get(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status not in JOINABLE:
        turn.say_text("initiatives.closed", status=status_label(turn.t, ini.status))
        return
    actor = turn.db.get(Actor, act.actor_id)
    if actor is None:
        turn.say_text("common.not_found")
        return
    sent = 0
    for person in q.actor_people(turn.db, actor):
        if person.deleted or person.suspended:
            continue
        t = turn.tr_for(person)
        row = turn.notify(
            person,
            Text(text=t("initiatives.invited", name=actor.name)),
            initiative_card(turn, ini, viewer=person, t=t),
            kind="invite",
            dedupe_key=f"invite:{ini.id}:{actor.id}:{person.id}",
        )
        sent += row is not None
    turn.audit("initiative.invite", "initiative", ini.id, actor_id=actor.id, sent=sent)
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_invited", "ja", name=actor.name, staff=turn.person.display_name
            )
        ),
        thread_key=thread_key(ini),
    )
    turn.say_text("initiatives.invites_sent", name=actor.name, count=sent)


# ---------------------------------------------------------------- after a preparation meeting


def _status_after_meeting(turn: Turn, meeting) -> list[Button]:
    """After the organiser records a preparation meeting, offer the initiative's status menu."""
    if meeting.initiative_id is None:
        return []
    ini = turn.db.get(Initiative, meeting.initiative_id)
    if ini is None or not q.can_manage(turn.db, ini, turn.person):
        return []
    return [
        Button(label=turn.t("initiatives.b_status"), data=pack(a.StatusMenu(stored_id(ini.id))))
    ]


RECORD_FOLLOWUPS.append(_status_after_meeting)


def tell_poster(
    turn: Turn, ini: Initiative, key: str, *, kind: str, dedupe_key: str, **params
) -> None:
    """Notify the initiative's poster (in their language) about what this person did."""
    poster = turn.db.get(Person, ini.poster_id)
    if poster is None or poster.id == turn.person.id:
        return
    text = turn.tr_for(poster)(key, name=turn.person.display_name, title=ini.title, **params)
    turn.notify(poster, Text(text=text), kind=kind, dedupe_key=dedupe_key)
