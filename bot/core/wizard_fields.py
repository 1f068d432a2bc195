"""The typed fields a wizard is declared with: each one parses, checks and shows its value.

A field's rules (a length range, a number range, the allowed choices, a date-time in the future
or after another answer) live here once; the wizard applies the same ``parse`` to a typed step
answer, a tapped quick reply and a submitted form, and says the same catalog message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from bot.core.replies import FormField

if TYPE_CHECKING:
    from bot.core.turn import Turn

Options = Callable[["Turn"], Sequence[tuple[str, str]]]  # turn -> (value, shown label)


class Invalid(ValueError):
    """A refused value: ``key`` and ``params`` are the catalog message to say."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class GiveUp(Invalid):
    """A refusal that ends the dialog instead of asking again (e.g. too many wrong tries)."""


# A refusal worded for a chat step (「送ってください」, 「ボタンから」) reads wrong under a form
# field; in form mode the wizard says the staff register's form wording instead.
FORM_WORDING: dict[str, str] = {
    "common.too_long": "staff.form_too_long",
    "common.empty": "staff.form_required",
    "ideas.error_required": "staff.form_required",
    "initiatives.use_buttons": "staff.form_choose",
    "ideas.use_buttons": "staff.form_choose",
    "initiatives.choose_one": "staff.form_choose",
    "wizard.error_choice": "staff.form_choose",
    "wizard.error_datetime": "staff.form_datetime",
    "meetings.error_datetime": "staff.form_datetime",
    "initiatives.bad_date": "staff.form_datetime",
    "initiatives.bad_capacity": "staff.form_capacity",
    "initiatives.bad_count": "staff.form_count",
    "meetings.error_title": "staff.form_meeting_title",
    "meetings.error_record": "staff.form_record",
    "evaluations.use_scores": "staff.form_choose",
}


def form_error(turn: Turn, bad: Invalid) -> str:
    """The text of a refusal shown under a form field."""
    return turn.t(FORM_WORDING.get(bad.key, bad.key), **bad.params)


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    label: str  # catalog key: the field's name on the form and the confirmation card
    ask: str  # catalog key: the step question
    error: str = ""  # catalog key said when the value is refused (a default per kind)
    optional: bool = False  # may be skipped (step) or left empty (form)
    skip: str | None = "wizard.button_skip"  # catalog key of the step's skip button, if any
    only: Literal["steps", "form"] | None = None  # a field one way of asking does not need
    initial: Any = None  # the form's initial value
    suggest: Options | None = None  # quick replies for the step question instead of the kind's
    when: Callable[[Turn, Mapping[str, Any]], bool] | None = None  # asked (as a step) only when
    # this holds for the answers so far; otherwise left empty (e.g. an end only after a start)
    changeable: bool = True  # offered as a 「なおす」 button on the confirmation card
    change: str | None = None  # catalog key of the card's change button (default: 「…」を なおす)
    hint: str | None = None  # catalog key of a line under the field on a form

    def applies(self, turn: Turn, answers: Mapping[str, Any]) -> bool:
        return self.when is None or self.when(turn, answers)

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> Any:
        """The typed value of ``raw`` (text, a quick reply value or a form value), or Invalid.

        ``answers`` holds the earlier fields' typed values (e.g. a start for an end)."""
        if self.empty(raw):
            if self.optional:
                return None
            raise self.refuse()
        return self.check(turn, self.coerce(raw), answers)

    def empty(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []

    def coerce(self, raw: Any) -> Any:
        return str(raw).strip()

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> Any:
        return value

    def refuse(self) -> Invalid:
        return Invalid(self.error)

    def ask_params(self) -> dict[str, Any]:
        """Values the question may show (only those its catalog text names are used)."""
        return {}

    def dump(self, value: Any) -> Any:
        """JSON for the dialog state (kept in the database between turns)."""
        return value

    def load(self, stored: Any) -> Any:
        return stored

    def show(self, turn: Turn, value: Any) -> str:
        return "" if value is None else str(value)

    def form_field(self, turn: Turn, initial: Any) -> FormField:
        return FormField(
            name=self.name,
            label=turn.t(self.label),
            required=not self.optional,
            initial=self.initial if initial is None else initial,
        )

    def suggestions(self, turn: Turn, answers: Mapping[str, Any]) -> Sequence[tuple[str, str]]:
        """Quick replies offered with the step question: (value, label)."""
        return self.suggest(turn) if self.suggest is not None else self.offered(turn)

    def offered(self, turn: Turn) -> Sequence[tuple[str, str]]:
        return ()


@dataclass(frozen=True, kw_only=True)
class TextField(Field):
    min_length: int = 1
    max_length: int = 80
    multiline: bool = False
    error: str = "wizard.error_length"

    def refuse(self) -> Invalid:
        return Invalid(self.error, min=self.min_length, max=self.max_length, limit=self.max_length)

    def ask_params(self) -> dict[str, Any]:
        return {"limit": self.max_length, "min": self.min_length, "max": self.max_length}

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> str:
        if not self.min_length <= len(value) <= self.max_length:
            raise self.refuse()
        return str(value)

    def form_field(self, turn: Turn, initial: Any) -> FormField:
        return FormField(
            name=self.name,
            label=turn.t(self.label),
            input="textarea" if self.multiline else "text",
            required=not self.optional,
            max_length=self.max_length,
            initial=self.initial if initial is None else initial,
        )


@dataclass(frozen=True, kw_only=True)
class UrlField(TextField):
    """A web address (an online meeting): http:// or https://."""

    max_length: int = 500
    error: str = "wizard.error_url"

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> str:
        if not str(value).startswith(("http://", "https://")) or len(value) > self.max_length:
            raise self.refuse()
        return str(value)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A rule across fields (e.g. a place or a URL): checked once every field in ``fields``
    has parsed; when ``holds`` is false, ``error`` is said at ``field``."""

    fields: tuple[str, ...]
    field: str
    error: str
    holds: Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, kw_only=True)
class IntField(Field):
    minimum: int = 0
    maximum: int = 1000
    choices: tuple[int, ...] = ()  # quick replies in step mode
    error: str = "wizard.error_number"

    def refuse(self) -> Invalid:
        return Invalid(self.error, min=self.minimum, max=self.maximum, limit=self.maximum)

    def ask_params(self) -> dict[str, Any]:
        return {"limit": self.maximum, "min": self.minimum, "max": self.maximum}

    def coerce(self, raw: Any) -> Any:
        return unicodedata.normalize("NFKC", str(raw)).strip()

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> int:
        if isinstance(value, int):
            number = value
        elif value.isdigit() and len(value) < 10:
            number = int(value)
        else:
            raise self.refuse()
        if not self.minimum <= number <= self.maximum:
            raise self.refuse()
        return number

    def form_field(self, turn: Turn, initial: Any) -> FormField:
        return FormField(
            name=self.name,
            label=turn.t(self.label),
            input="number",
            required=not self.optional,
            initial=self.initial if initial is None else initial,
        )

    def offered(self, turn: Turn) -> Sequence[tuple[str, str]]:
        return [(str(n), str(n)) for n in self.choices]


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    """One (or, with ``multiple``, several) of ``options(turn)`` — e.g. the ward's categories,
    or the organisations a person may post as."""

    options: Options
    multiple: bool = False
    error: str = "wizard.error_choice"

    def coerce(self, raw: Any) -> Any:
        if isinstance(raw, list | tuple):
            return [str(v) for v in raw]
        return [v.strip() for v in str(raw).split(",") if v.strip()]

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> Any:
        known = dict(self.options(turn))
        by_label = {unicodedata.normalize("NFKC", label): v for v, label in known.items()}
        picked = [
            v if v in known else by_label.get(unicodedata.normalize("NFKC", v), "") for v in value
        ]
        if not picked or "" in picked or (len(picked) > 1 and not self.multiple):
            raise self.refuse()
        return sorted(set(picked), key=picked.index) if self.multiple else picked[0]

    def show(self, turn: Turn, value: Any) -> str:
        known = dict(self.options(turn))
        chosen: list[str] = (
            [str(v) for v in value] if isinstance(value, list) else [] if value is None else [value]
        )
        return "、".join(known.get(v, v) for v in chosen)

    def form_field(self, turn: Turn, initial: Any) -> FormField:
        return FormField(
            name=self.name,
            label=turn.t(self.label),
            input="multiselect" if self.multiple else "select",
            options=tuple(self.options(turn)),
            required=not self.optional,
            initial=self.initial if initial is None else initial,
        )

    def offered(self, turn: Turn) -> Sequence[tuple[str, str]]:
        return list(self.options(turn))


@dataclass(frozen=True, kw_only=True)
class DateTimeField(Field):
    """A date and time in ward time; ``future`` refuses the past, ``after`` names an earlier
    field this one must come after (an end after its start)."""

    future: bool = True
    after: str | None = None
    error: str = "wizard.error_datetime"
    error_past: str = "wizard.error_past"
    error_order: str = "wizard.error_order"
    pick: str = "wizard.button_pick"  # catalog key of the picker's button

    def coerce(self, raw: Any) -> Any:
        return raw

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> datetime:
        when = value if isinstance(value, datetime) else turn.parse_local(value)
        if when is None:
            raise self.refuse()
        if self.future and when <= turn.now:
            raise Invalid(self.error_past)
        earlier = answers.get(self.after) if self.after else None
        if isinstance(earlier, datetime) and when <= earlier:
            raise Invalid(self.error_order)
        return when

    def dump(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    def load(self, stored: Any) -> Any:
        return datetime.fromisoformat(stored) if isinstance(stored, str) else stored

    def show(self, turn: Turn, value: Any) -> str:
        return "" if value is None else turn.local(value).strftime("%Y/%m/%d %H:%M")

    def form_field(self, turn: Turn, initial: Any) -> FormField:
        initial = self.initial if initial is None else initial
        shown = turn.local_input(initial) if isinstance(initial, datetime) else initial
        return FormField(
            name=self.name,
            label=turn.t(self.label),
            input="datetime",
            required=not self.optional,
            initial=shown,
        )

    def bounds(self, turn: Turn, answers: Mapping[str, Any]) -> tuple[datetime, datetime]:
        """(earliest, suggested) for the picker: after the earlier answer, or from now."""
        earlier = answers.get(self.after) if self.after else None
        start = earlier if isinstance(earlier, datetime) else turn.now
        return start, start + timedelta(hours=1)


__all__ = [
    "ChoiceField",
    "DateTimeField",
    "Field",
    "GiveUp",
    "IntField",
    "Invalid",
    "Options",
    "Rule",
    "TextField",
    "UrlField",
]
