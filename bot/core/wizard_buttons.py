"""The buttons every declared dialog shares (prefix "w"): each carries the flow and the token.

The token is the dialog's own, so a button from an older dialog or an earlier question is
recognised as stale instead of being taken as an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.actions import action


@action("wa")
@dataclass(frozen=True)
class WizardAnswer:
    flow: str
    token: str
    field: str
    value: str  # "" for a picker: the chosen date-time comes in the event's params


@action("wsk")
@dataclass(frozen=True)
class WizardSkip:
    flow: str
    token: str
    field: str


@action("wd")
@dataclass(frozen=True)
class WizardDone:
    """The end of a multi-choice: take what was tapped so far."""

    flow: str
    token: str
    field: str


@action("we")
@dataclass(frozen=True)
class WizardEdit:
    flow: str
    token: str
    field: str


@action("wok")
@dataclass(frozen=True)
class WizardConfirm:
    flow: str
    token: str


@action("wx")
@dataclass(frozen=True)
class WizardStop:
    flow: str
    token: str


@action("wf")
@dataclass(frozen=True)
class WizardForm:
    flow: str
    context: str
