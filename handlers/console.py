"""The staff console (Slack App Home): the main actions and what waits for staff, in place.

Each queue is oldest first with its age, a count, the first few items with their buttons and
「もっと見る」; an empty queue is one line. The console is a neutral :class:`Console` reply; a
channel that doesn't show one gets the dashboard's cards instead (Slack and the simulator do).
The buttons live in ``handlers/console_buttons.py`` and re-check everything on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.actions import action, pack
from bot.core.replies import Button, Card, Choices, Console, ConsoleItem, ConsoleQueue, Text
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import dashboard
from handlers.console_forms import forms_via_console, via_console
from handlers.idea_actions import StaffIdeas
from handlers.initiative_actions import StatusMenu
from handlers.moderation import ShowHistory
from storage import home
from storage.db import stored_id
from storage.queries import console as q

router = Router()

FIRST = 5  # items shown per queue
MORE = 20  # items shown in a queue opened with 「もっと見る」
QUEUES = ("unclaimed", "moderation", "ideas", "meetings", "calls", "mine")
TITLES = {  # the queues the dashboard already names keep its titles
    "unclaimed": "dashboard.initiatives_waiting",
    "ideas": "dashboard.ideas_waiting",
    "meetings": "dashboard.meetings_week",
    "calls": "dashboard.open_calls",
}


@action("hm")
class ConsoleMore:
    """「もっと見る」 of one queue: the console again with that queue opened further."""

    queue: str


@action("hcl")
class ConsoleClaim:
    initiative_id: int


@action("hdc")
class ConsoleDecide:
    entity: str
    entity_id: int
    decision: str  # keep | restore | suspend
    confirmed: bool = False


@action("han")
class ConsoleAnswer:
    idea_id: int


@action("haf")
class ConsoleAnswerForm:
    """The answer modal opened from the console: on submit, the console is shown again."""

    idea_id: int


@action("hop")
class ConsoleOpen:
    """A main action: post | new_call | numbers | match."""

    what: str


@action("hmt")
class ConsoleMatch:
    initiative_id: int


@action("hrf")
class ConsoleRefresh:
    pass


def age(turn: Turn, when: datetime) -> str:
    """How long something has waited, in words (今日 / 3時間前 / 5日前)."""
    seconds = max((turn.now - when).total_seconds(), 0)
    if seconds >= 86400:
        return turn.t("staff.age_days", days=int(seconds // 86400))
    if seconds >= 3600:
        return turn.t("staff.age_hours", hours=int(seconds // 3600))
    return turn.t("staff.age_now")


def _queue(
    turn: Turn, name: str, total: int, items: list[ConsoleItem], expanded: str | None
) -> ConsoleQueue:
    more = None
    if total > len(items) and expanded != name:
        more = Button(
            label=turn.t("staff.console_more", count=total - len(items)),
            data=pack(ConsoleMore(name)),
        )
    return ConsoleQueue(
        title=turn.t(TITLES.get(name, f"staff.queue_{name}")),
        count=total,
        count_label=turn.t("dashboard.count", count=total),
        items=tuple(items),
        empty=turn.t(f"staff.queue_{name}_empty"),
        more=more,
    )


def _limit(name: str, expanded: str | None) -> int:
    return MORE if name == expanded else FIRST


def unclaimed(turn: Turn, expanded: str | None) -> ConsoleQueue:
    total, rows = q.unclaimed_initiatives(turn.db, _limit("unclaimed", expanded))
    items = [
        ConsoleItem(
            text=turn.t("staff.item_initiative", title=i.title, age=age(turn, i.created_at)),
            buttons=(
                Button(
                    label=turn.t("staff.b_claim"),
                    data=pack(ConsoleClaim(stored_id(i.id))),
                    style="primary",
                ),
            ),
        )
        for i in rows
    ]
    return _queue(turn, "unclaimed", total, items, expanded)


def moderation(turn: Turn, expanded: str | None) -> ConsoleQueue:
    total, cases = q.moderation_cases(turn.db, _limit("moderation", expanded))
    items = []
    for c in cases:

        def decide(decision: str, label: str, style: str = "default", c: q.Case = c) -> Button:
            data = pack(ConsoleDecide(c.entity, c.entity_id, decision))
            return Button(label=turn.t(label), data=data, style=style)  # type: ignore[arg-type]

        items.append(
            ConsoleItem(
                text=turn.t(
                    "staff.item_case",
                    kind=turn.t(f"moderation.kind_{c.entity}"),
                    title=dashboard._short(c.title),
                    reports=c.reports,
                    age=age(turn, c.since),
                ),
                buttons=(
                    decide("keep", "moderation.keep_hidden"),
                    decide("restore", "moderation.restore", "primary"),
                    decide("suspend", "moderation.suspend", "danger"),
                    Button(
                        label=turn.t("staff.b_history"),
                        data=pack(ShowHistory(c.entity, c.entity_id)),  # type: ignore[arg-type]
                    ),
                ),
            )
        )
    return _queue(turn, "moderation", total, items, expanded)


def deadline_rules(turn: Turn) -> tuple[int, int]:
    """(days for a first answer, supports after which an idea is flagged) from the ward."""
    rules = turn.ward.answers
    return rules.days, rules.supports


def ideas(turn: Turn, expanded: str | None) -> ConsoleQueue:
    days, supports = deadline_rules(turn)
    total, rows = q.ideas_awaiting(
        turn.db, turn.now, days=days, supports=supports, limit=_limit("ideas", expanded)
    )
    items = []
    for w in rows:
        marks = []
        if w.overdue:
            marks.append(turn.t("staff.mark_overdue"))
        if w.flagged:
            marks.append(turn.t("staff.mark_supports", count=w.supports))
        items.append(
            ConsoleItem(
                text=turn.t(
                    "staff.item_idea",
                    marks="".join(marks),
                    idea=dashboard._short(w.idea.body),
                    call=dashboard._short(w.call_title, 20),
                    status=turn.t(f"dashboard.idea_{w.idea.status}"),
                    age=age(turn, w.idea.created_at),
                    due=turn.local(w.due).strftime("%m/%d"),
                ),
                buttons=(
                    Button(
                        label=turn.t("staff.b_answer"),
                        data=pack(ConsoleAnswer(stored_id(w.idea.id))),
                        style="primary",
                    ),
                ),
            )
        )
    return _queue(turn, "ideas", total, items, expanded)


def meetings(turn: Turn, expanded: str | None) -> ConsoleQueue:
    start, end = dashboard.week_bounds(turn)
    total, rows = q.meetings_between(turn.db, start, end, _limit("meetings", expanded))
    items = [
        ConsoleItem(
            text=turn.t(
                "dashboard.meeting_line",
                when=turn.local(m.starts_at).strftime("%m/%d %H:%M"),
                title=dashboard._short(m.title),
            )
        )
        for m in rows
    ]
    return _queue(turn, "meetings", total, items, expanded)


def calls(turn: Turn, expanded: str | None) -> ConsoleQueue:
    total, rows = q.open_calls(turn.db, _limit("calls", expanded))
    items = [
        ConsoleItem(
            text=turn.t(
                "dashboard.call_line",
                title=dashboard._short(call.title),
                ideas=n,
                deadline=turn.local(call.deadline).strftime("%m/%d"),
            ),
            buttons=(
                Button(label=turn.t("staff.b_ideas"), data=pack(StaffIdeas(stored_id(call.id)))),
            ),
        )
        for call, n in rows
    ]
    return _queue(turn, "calls", total, items, expanded)


def mine(turn: Turn, expanded: str | None) -> ConsoleQueue:
    total, rows = q.claimed_by(turn.db, stored_id(turn.person.id), _limit("mine", expanded))
    items = [
        ConsoleItem(
            text=turn.t(
                "staff.item_mine",
                title=i.title,
                status=turn.t(f"initiatives.status_{i.status}"),
                age=age(turn, i.updated_at),
            ),
            buttons=(
                Button(label=turn.t("staff.b_status"), data=pack(StatusMenu(stored_id(i.id)))),
            ),
        )
        for i in rows
    ]
    return _queue(turn, "mine", total, items, expanded)


BUILDERS: dict[str, Callable[[Turn, str | None], ConsoleQueue]] = {
    "unclaimed": unclaimed,
    "moderation": moderation,
    "ideas": ideas,
    "meetings": meetings,
    "calls": calls,
    "mine": mine,
}


def main_actions(turn: Turn) -> tuple[Button, ...]:
    buttons = [
        Button(label=turn.t(f"staff.console_{what}"), data=pack(ConsoleOpen(what)))
        for what in ("post", "new_call", "numbers", "match")
    ]
    buttons.append(Button(label=turn.t("staff.console_refresh"), data=pack(ConsoleRefresh())))
    return tuple(buttons)


def show(
    turn: Turn,
    *,
    notice: str = "",
    expanded: str | None = None,
    cards: tuple[Card, ...] = (),
) -> None:
    """Say the console (or, where a channel shows none, the dashboard's cards)."""
    if not turn.channel.supports(Console):
        if notice:
            turn.say(Text(text=notice))
        turn.say(*cards)
        dashboard.dashboard(turn, "")
        return
    turn.db.flush()  # what this turn changed shows at once
    if turn.person.id is not None and not turn.read_only:  # refreshed when what it shows changes
        home.seen(turn.db, turn.person.id, turn.now)
    turn.say(
        Console(
            title=turn.t("staff.console_title"),
            notice=notice,
            actions=main_actions(turn),
            cards=cards,
            queues=tuple(BUILDERS[name](turn, expanded) for name in QUEUES),
        )
    )


def refused(turn: Turn) -> bool:
    """Non-staff get a console that only says no (only they see it); True when refused."""
    if turn.person.is_staff:
        return False
    if turn.channel.supports(Console):
        turn.say(Console(title=turn.t("staff.console_title"), notice=turn.t("common.staff_only")))
    else:
        turn.say_text("common.staff_only")
    return True


def run_then_show(turn: Turn, fn: Callable[[], None]) -> None:
    """Run an existing handler, then show the console with what it said on top.

    Its texts become the console's notice; its questions (Choices) and cards stay in the
    console as cards, so the answer to a press in App Home is seen in App Home.
    """
    before = len(turn.replies)
    fn()
    forms_via_console(turn, before)  # a modal it opened comes back here when submitted
    said = turn.replies[before:]
    del turn.replies[before:]
    texts = [r.text for r in said if isinstance(r, Text)]
    cards: list[Card] = []
    for r in said:
        if isinstance(r, Choices):
            cards.append(Card(title="", body=r.text, buttons=r.buttons))
        elif isinstance(r, Card):
            cards.append(r)
        elif not isinstance(r, Text):
            turn.say(r)
    show(turn, notice="\n".join(texts), cards=via_console(tuple(cards)))


@router.command("console", staff=True)
def console(turn: Turn, _args: str) -> None:
    if turn.channel.supports(Console) and refused(turn):
        return
    if not turn.require_staff():
        return
    show(turn)
