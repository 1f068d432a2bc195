"""The routes every declared dialog shares: its buttons, its confirmation and its form.

Buttons carry the flow's name and the dialog's token, so one set of routes serves every
:class:`~bot.core.wizard.Wizard`; ``handlers.common`` includes this router.
"""

from __future__ import annotations

from typing import Any

from bot.core.events import ActionInvoked
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import (
    PICKED,
    WIZARDS,
    Wizard,
    WizardAnswer,
    WizardConfirm,
    WizardDone,
    WizardEdit,
    WizardForm,
    WizardSkip,
    WizardStop,
)
from bot.core.wizard_fields import ChoiceField, DateTimeField

router = Router()


# ---------------------------------------------------------------- routes every wizard shares


def _wizard(turn: Turn, flow: str) -> Wizard[Any] | None:
    wizard = WIZARDS.get(flow)
    if wizard is None:
        turn.say_text("wizard.stale")
    return wizard


@router.action(WizardAnswer)
def _answered(turn: Turn, act: WizardAnswer) -> None:
    wizard = _wizard(turn, act.flow)
    if wizard is None or not wizard.fresh(turn, act.token, act.field):
        return
    f = wizard.field(act.field)
    assert f is not None  # fresh() checked it is the current field
    if isinstance(f, ChoiceField) and f.multiple:
        return wizard.toggle(turn, f, act.value)
    picked = turn.event.params.get("datetime") if isinstance(turn.event, ActionInvoked) else None
    raw = picked if isinstance(f, DateTimeField) else act.value
    wizard.take(turn, f, raw)


@router.action(WizardDone)
def _done(turn: Turn, act: WizardDone) -> None:
    wizard = _wizard(turn, act.flow)
    if wizard is not None and wizard.fresh(turn, act.token, act.field):
        f = wizard.field(act.field)
        assert f is not None
        wizard.take(turn, f, list(turn.dialog.data.get(PICKED, [])))


@router.action(WizardSkip)
def _skipped(turn: Turn, act: WizardSkip) -> None:
    wizard = _wizard(turn, act.flow)
    if wizard is None or not wizard.fresh(turn, act.token, act.field):
        return
    f = wizard.field(act.field)
    if f is None or not f.optional:
        return turn.say_text("wizard.stale")
    turn.dialog.data[f.name] = None
    wizard.advance(turn, f)


@router.action(WizardEdit)
def _edit(turn: Turn, act: WizardEdit) -> None:
    wizard = _wizard(turn, act.flow)
    if wizard is None or not wizard.fresh(turn, act.token):
        return
    wizard.edit(turn, act.field)


@router.action(WizardConfirm)
def _confirm(turn: Turn, act: WizardConfirm) -> None:
    wizard = _wizard(turn, act.flow)
    if wizard is not None and wizard.fresh(turn, act.token):
        wizard.confirmed(turn)


@router.action(WizardStop)
def _stop(turn: Turn, act: WizardStop) -> None:
    """「やめる」: the same as typing the cancel word (the menu follows)."""
    cancel = turn.commands.get("cancel")
    if cancel is not None:
        return cancel(turn, "")
    turn.dialog.clear()
    turn.say_text("common.cancelled")


@router.form(WizardForm)
def _form(turn: Turn, act: WizardForm, values: dict[str, Any]) -> None:
    wizard = _wizard(turn, act.flow)
    if wizard is not None:
        wizard.submitted(turn, act.context, values)
