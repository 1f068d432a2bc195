"""The status of an initiative: 募集中 → 準備中 → 実施中 → 完了, or 中止 with a reason, and the results report."""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Choices,
    Reply,
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.cancel_form import CANCEL_FIELDS, CancelDraft
from handlers.initiative_access import DIALOG_TTL, TRANSITIONS, S, active_people, get_managed, touch
from handlers.initiative_views import (
    initiative_card,
    refresh_staff_card,
    status_label,
    thread_key,
)
from handlers.result_form import RESULT_FIELDS, ResultDraft
from storage import ledger
from storage.db import stored_id
from storage.models import (
    Initiative,
    InitiativeStatus,
)

router = Router()
# ================================================================ lifecycle


@router.action(a.StatusMenu)
def status_menu(turn: Turn, act: a.StatusMenu) -> None:
    ini = get_managed(turn, act.initiative_id)
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
    ini = get_managed(turn, act.initiative_id, for_update=True)
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
    if act.status == S.CANCELLED:
        # cannot be undone: a reason (participants are told) and a confirmation first, in a
        # form (Slack modal) or as a chat step and the confirmation card
        return CANCEL.start(turn, f"initiative:{ini.id}:{ini.status}")
    apply_status(turn, ini, S(act.status))


def cancelled(turn: Turn, draft: CancelDraft, context: str) -> None:
    """中止 confirmed with a reason: re-checked now (a stale form changes nothing)."""
    _, raw_id, was = [*context.split(":"), "", ""][:3]
    ini = get_managed(turn, int(raw_id) if raw_id.isdigit() else 0, for_update=True)
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
    touch(turn, ini)
    turn.db.flush()
    ledger.initiative_status(turn.db, ini, new, turn.now)
    detail = {"old": str(old), "new": str(new)} | ({"reason": reason} if reason else {})
    turn.audit("initiative.status", "initiative", ini.id, **detail)
    for person in active_people(turn, ini):
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
    ini = get_managed(turn, int(target.partition(":")[2] or 0), for_update=True)
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
