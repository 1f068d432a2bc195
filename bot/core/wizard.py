"""A dialog declared once, run as chat steps (LINE) or as one form (Slack, the staff pane).

A :class:`Wizard` is a flow name, typed fields (``bot.core.wizard_fields``), a draft dataclass
and a submit function that receives the draft. Where the channel renders forms (and the person
is staff, as before) the wizard sends one :class:`Form` and answers a bad submission with
inline :class:`FormErrors`; elsewhere it asks one field at a time with quick replies and
pickers. Both use the same ``Field.parse`` and the same catalog messages, so a rule cannot
differ between LINE and Slack. The wizard also owns the confirmation card (every answer can be
changed), 「やめる」/「つづける」, stale-button tokens and the dialog's 1-day expiry.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Generic, TypeVar

from bot.core.actions import pack
from bot.core.dialog import DEFAULT_TTL
from bot.core.replies import (
    Button,
    Card,
    Choices,
    DatetimeRequest,
    Form,
    FormErrors,
    Reply,
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard_buttons import (
    WizardAnswer,
    WizardConfirm,
    WizardDone,
    WizardEdit,
    WizardForm,
    WizardSkip,
    WizardStop,
)
from bot.core.wizard_fields import ChoiceField, DateTimeField, Field, GiveUp, Invalid, Rule
from bot.core.wizard_fields import form_error as form_error

D = TypeVar("D")
TOKEN = "_token"  # dialog data keys the wizard keeps next to the answers
CONTEXT = "_context"
EDITING = "_editing"
PICKED = "_picked"  # a multi-choice being tapped together
CONFIRM = "confirm"
GATED = "gated"  # the flow of a dialog waiting behind its gate

Summary = Callable[[Turn, Mapping[str, Any]], tuple[str, tuple[tuple[str, str], ...]]]
# (turn, answers, change buttons, submit, stop) -> the replies of a dialog's own confirmation
Confirmation = Callable[
    [Turn, Mapping[str, Any], tuple[Button, ...], Button, Button], Sequence[Reply]
]
WIZARDS: dict[str, Wizard[Any]] = {}


# ---------------------------------------------------------------- the declaration


@dataclass(frozen=True, kw_only=True)
class Wizard(Generic[D]):
    flow: str
    title: str  # catalog key: the form's and the confirmation card's title
    fields: tuple[Field, ...]
    draft: type[D]  # a dataclass whose fields are named like ``fields``
    submit: Callable[[Turn, D, str], None]  # (turn, draft, context)
    allowed: Callable[[Turn, str], bool] | None = None  # re-checked at start and at submit
    refused: str = "common.not_allowed"  # said when ``allowed`` says no
    rules: tuple[Rule, ...] = ()
    submit_label: str = "wizard.button_submit"
    confirm_body: str = "wizard.confirm_body"
    confirm: bool = True  # steps end on a confirmation card (False: submit after the last)
    summary: Summary | None = None  # the card's title and rows instead of one row a field
    card_body: Callable[[Turn, Mapping[str, Any]], str] | None = None  # instead of confirm_body
    forms: bool = True  # False: steps on every channel
    stop_at_steps: bool = False  # typed-answer steps also offer 「やめる」
    shows: Callable[[Turn, str], Mapping[str, Any]] | None = None  # (turn, context) -> more
    # values the questions may name, e.g. the question being answered
    form_action: Callable[[str], object] | None = None  # the form's packed data (a known
    # action its owner routes to ``submitted``); default ``WizardForm(flow, context)``
    ttl: timedelta = DEFAULT_TTL
    gate: Callable[[Turn], bool] | None = None  # False: it answered instead (the privacy
    # notice before a first contribution); ``resume_gated`` starts the dialog once it is passed
    intro: str | None = None  # catalog key said before the first step question
    confirmation: Confirmation | None = None  # the dialog's own confirmation replies
    typed_at_confirm: str | None = None  # said when text is typed at the confirmation card
    stale_step: str = "wizard.stale"  # a button of this dialog but another question (re-asked
    # when the dialog names its own message)
    ended: str = "wizard.stale"  # a button of a dialog that has ended
    after_ended: Callable[[Turn], None] | None = None  # e.g. the menu after ``ended``

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names) or CONFIRM in names:
            raise ValueError(f"wizard {self.flow}: field names must be unique, not {CONFIRM!r}")
        WIZARDS[self.flow] = self

    def asked(self, form: bool) -> tuple[Field, ...]:
        """The fields of one way of asking (a field may be only for steps or only for forms)."""
        skip = "steps" if form else "form"
        return tuple(f for f in self.fields if f.only != skip)

    def steps(self, turn: Turn, answers: Mapping[str, Any] | None = None) -> tuple[Field, ...]:
        """The step questions that apply to the answers so far (``Field.when``)."""
        answers = self.answers(turn) if answers is None else answers
        return tuple(f for f in self.asked(False) if f.applies(turn, answers))

    def register(self, on: Router) -> None:
        """Route text typed at any step of this flow (buttons are routed by ``router``)."""
        on.flow(self.flow, self.on_text)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    # ------------------------------------------------------------ starting
    def uses_form(self, turn: Turn) -> bool:
        """One form where the channel has forms (for staff, the only ones who had them)."""
        return self.forms and turn.channel.supports(Form) and turn.person.is_staff

    def start(
        self, turn: Turn, context: str = "", initial: Mapping[str, Any] | None = None
    ) -> None:
        if self.allowed is not None and not self.allowed(turn, context):
            return turn.say_text(self.refused)
        if self.gate is not None and not self.gate(turn):  # e.g. consent, before any question
            turn.dialog.clear()
            turn.dialog.enter(GATED, f"{GATED}.wait", ttl=self.ttl)
            turn.dialog.data.update({"flow": self.flow, CONTEXT: context})
            return None
        if self.uses_form(turn):
            return turn.say(self.form(turn, context, initial))
        if not self.asked(False):  # a form-only dialog on a chat channel
            return turn.say_text(self.refused)
        turn.dialog.clear()
        turn.dialog.enter(self.flow, self._step(self.asked(False)[0]), ttl=self.ttl)
        turn.dialog.data.update({TOKEN: secrets.token_hex(4), CONTEXT: context})
        if self.intro:
            turn.say_text(self.intro)
        first = self.current(turn)
        if isinstance(first, ChoiceField) and first.multiple and initial:
            turn.dialog.data[PICKED] = list(initial.get(first.name) or [])  # ticked as now
        self.ask(turn)

    def review(self, turn: Turn, context: str, answers: Mapping[str, Any]) -> None:
        """Open the dialog filled in, at its confirmation card (changing what was sent)."""
        turn.dialog.clear()
        turn.dialog.enter(self.flow, f"{self.flow}.{CONFIRM}", ttl=self.ttl)
        turn.dialog.data.update({TOKEN: secrets.token_hex(4), CONTEXT: context})
        for f in self.fields:
            turn.dialog.data[f.name] = f.dump(answers.get(f.name))
        self.show_confirm(turn)

    def form(self, turn: Turn, context: str, initial: Mapping[str, Any] | None = None) -> Form:
        return Form(
            title=turn.t(self.title),
            fields=tuple(
                replace(field, hint=turn.t(f.hint)) if f.hint else field
                for f in self.asked(True)
                for field in (f.form_field(turn, (initial or {}).get(f.name)),)
            ),
            submit_label=turn.t(self.submit_label),
            data=pack(
                self.form_action(context) if self.form_action else WizardForm(self.flow, context)
            ),
        )

    # ------------------------------------------------------------ state
    def _step(self, f: Field) -> str:
        return f"{self.flow}.{f.name}"

    def current(self, turn: Turn) -> Field | None:
        step = turn.dialog.step or ""
        return self.field(step.removeprefix(f"{self.flow}."))

    def answers(self, turn: Turn) -> dict[str, Any]:
        data = turn.dialog.data
        return {f.name: f.load(data[f.name]) for f in self.fields if f.name in data}

    def fresh(self, turn: Turn, token: str, field: str | None = None) -> bool:
        """A button of this dialog as it is now; otherwise say so (old or already used)."""
        live = turn.dialog.active and turn.dialog.flow == self.flow
        if not live or turn.dialog.data.get(TOKEN) != token:
            turn.say_text(self.ended)
            if self.after_ended is not None:
                self.after_ended(turn)
            return False
        current = self.current(turn)
        if field is not None and (current is None or current.name != field):
            turn.say_text(self.stale_step)  # answers are kept
            if self.stale_step != "wizard.stale":
                self.ask(turn)
            return False
        return True

    # ------------------------------------------------------------ step mode
    def ask(self, turn: Turn) -> None:
        """Ask the current step's question again (also 「つづける」 after an interruption)."""
        f = self.current(turn)
        if f is None:
            return self.show_confirm(turn)
        token = str(turn.dialog.data.get(TOKEN, ""))
        answers = self.answers(turn)
        named = turn.catalog.placeholders(f.ask, turn.language)
        shown = {g.name: g.show(turn, answers.get(g.name)) for g in self.fields}  # {question}
        context = str(turn.dialog.data.get(CONTEXT, ""))
        extra = self.shows(turn, context) if self.shows is not None else {}
        picked = list(turn.dialog.data.get(PICKED, []))
        chosen = f.show(turn, picked) if picked else turn.t("wizard.none")  # {chosen}: ticked
        params = {**shown, **extra, **f.ask_params(), "chosen": chosen}
        text = turn.t(f.ask, **{k: v for k, v in params.items() if k in named})
        skip = (
            (
                Button(
                    label=turn.t(f.skip or "wizard.button_skip"),
                    data=pack(WizardSkip(self.flow, token, f.name)),
                ),
            )
            if f.optional and f.skip
            else ()
        )
        if isinstance(f, DateTimeField):
            earliest, suggested = f.bounds(turn, answers)
            now = answers.get(f.name)
            turn.say(
                DatetimeRequest(
                    text=text,
                    label=turn.t(f.pick),
                    data=pack(WizardAnswer(self.flow, token, f.name, "")),
                    initial=turn.local_input(now or suggested),
                    minimum=turn.local_input(earliest),
                    cancel=skip[0] if skip else None,
                )
            )
            return
        options = f.suggestions(turn, answers)
        buttons = [
            Button(
                label=("✓ " if value in picked else "") + label,
                data=pack(WizardAnswer(self.flow, token, f.name, value)),
            )
            for value, label in options
        ]
        if isinstance(f, ChoiceField) and f.multiple:
            buttons.append(
                Button(
                    label=turn.t("wizard.button_done"),
                    data=pack(WizardDone(self.flow, token, f.name)),
                    style="primary",
                )
            )
        buttons.extend(skip)
        if self.stop_at_steps and not isinstance(f, ChoiceField):
            stop = WizardStop(self.flow, token)
            buttons.append(Button(label=turn.t("wizard.button_stop"), data=pack(stop)))
        turn.say(Choices(text=text, buttons=tuple(buttons)) if buttons else Text(text=text))

    def on_text(self, turn: Turn, text: str) -> None:
        f = self.current(turn)
        if f is None:  # at the confirmation card typing is not an answer
            if self.typed_at_confirm:
                turn.say_text(self.typed_at_confirm)
            return self.show_confirm(turn)
        self.take(turn, f, text)

    def take(self, turn: Turn, f: Field, raw: Any) -> None:
        try:
            value = f.parse(turn, raw, self.answers(turn))
        except GiveUp as bad:  # e.g. too many wrong tries: the dialog ends
            turn.dialog.clear()
            return turn.say_text(bad.key, **bad.params)
        except Invalid as bad:
            turn.say_text(bad.key, **bad.params)
            return self.ask(turn)
        turn.dialog.data[f.name] = f.dump(value)
        turn.dialog.data.pop(PICKED, None)
        self.advance(turn, f)

    def toggle(self, turn: Turn, f: ChoiceField, value: str) -> None:
        if value not in dict(f.options(turn)):  # a forged or outdated value
            return turn.say_text("wizard.stale")
        picked = list(turn.dialog.data.get(PICKED, []))
        picked = [v for v in picked if v != value] if value in picked else [*picked, value]
        turn.dialog.data[PICKED] = picked
        self.ask(turn)

    def advance(self, turn: Turn, f: Field) -> None:
        asked = self.asked(False)
        answers = self.answers(turn)
        later = [g for g in asked[asked.index(f) + 1 :] if g.applies(turn, answers)]
        if not later and not self.confirm:
            return self.confirmed(turn)
        following = [g for g in later if getattr(g, "after", None) == f.name]
        if turn.dialog.data.get(EDITING) and following:  # a changed start: ask its end again
            turn.dialog.goto(self._step(following[0]))
            return self.ask(turn)
        if turn.dialog.data.get(EDITING) or not later:
            turn.dialog.data.pop(EDITING, None)
            turn.dialog.goto(f"{self.flow}.{CONFIRM}")
            return self.show_confirm(turn)
        turn.dialog.goto(self._step(later[0]))
        self.ask(turn)

    def edit(self, turn: Turn, name: str) -> None:
        """From the confirmation card: ask one answer again, then come back to the card."""
        f = self.field(name)
        if f is None or f not in self.steps(turn) or not f.changeable:
            return turn.say_text("wizard.stale")
        if isinstance(f, ChoiceField) and f.multiple:  # start from what was chosen
            turn.dialog.data[PICKED] = list(self.answers(turn).get(f.name) or [])
        turn.dialog.data[EDITING] = True
        turn.dialog.goto(self._step(f))
        self.ask(turn)

    def show_confirm(self, turn: Turn) -> None:
        t, token, answers = turn.t, str(turn.dialog.data.get(TOKEN, "")), self.answers(turn)
        steps = self.steps(turn, answers)
        if self.summary is not None:
            title, rows = self.summary(turn, answers)
        else:
            title = t(self.title)
            rows = tuple(
                (t(f.label), f.show(turn, answers.get(f.name)) or t("wizard.none")) for f in steps
            )
        edits = tuple(
            Button(
                label=t(f.change or "wizard.button_change", field=t(f.label)),
                data=pack(WizardEdit(self.flow, token, f.name)),
            )
            for f in steps
            if f.changeable
        )
        submit = Button(
            label=t(self.submit_label), data=pack(WizardConfirm(self.flow, token)), style="primary"
        )
        stop = Button(label=t("wizard.button_stop"), data=pack(WizardStop(self.flow, token)))
        if self.confirmation is not None:
            return turn.say(*self.confirmation(turn, answers, edits, submit, stop))
        turn.say(
            Card(
                title=title,
                body=self.card_body(turn, answers) if self.card_body else t(self.confirm_body),
                fields=rows,
                buttons=(submit, *edits, stop),
            )
        )

    def check_all(
        self, turn: Turn, values: Mapping[str, Any], form: bool
    ) -> tuple[dict[str, Any], list[tuple[str, Invalid]]]:
        """Every field of one way of asking, then the rules: (typed answers, refusals)."""
        fields = self.asked(form)
        answers: dict[str, Any] = {}
        refused: list[tuple[str, Invalid]] = []
        for f in fields:
            if not form and not f.applies(turn, answers):
                answers[f.name] = None  # a step that does not apply is left empty
                continue
            try:
                answers[f.name] = f.parse(turn, values.get(f.name), answers)
            except Invalid as bad:
                refused.append((f.name, bad))
        names = {f.name for f in fields}
        for rule in self.rules:
            checkable = set(rule.fields) <= names and all(n in answers for n in rule.fields)
            if checkable and not rule.holds(answers) and rule.field not in dict(refused):
                refused.append((rule.field, Invalid(rule.error)))
        return {f.name: answers.get(f.name) for f in self.fields}, refused

    def confirmed(self, turn: Turn) -> None:
        """Check every answer again (time passed, roles may have changed), then submit."""
        context = str(turn.dialog.data.get(CONTEXT, ""))
        if self.allowed is not None and not self.allowed(turn, context):
            turn.dialog.clear()
            return turn.say_text(self.refused)
        answers, refused = self.check_all(turn, self.answers(turn), form=False)
        if refused:
            name, bad = refused[0]
            f = self.field(name)
            assert f is not None
            turn.dialog.goto(self._step(f))
            turn.say_text(bad.key, **bad.params)
            return self.ask(turn)
        turn.dialog.clear()
        self.submit(turn, self.draft(**answers), context)

    # ------------------------------------------------------------ form mode
    def submitted(self, turn: Turn, context: str, values: Mapping[str, Any]) -> None:
        if self.allowed is not None and not self.allowed(turn, context):
            return turn.say_text(self.refused)
        answers, refused = self.check_all(turn, values, form=True)
        if refused:
            errors = tuple((name, form_error(turn, bad)) for name, bad in refused)
            return turn.say(FormErrors(errors=errors))
        self.submit(turn, self.draft(**answers), context)


def resume_gated(turn: Turn) -> bool:
    """Start the dialog a gate held back (e.g. right after agreeing); False if none waits."""
    wizard = WIZARDS.get(str(turn.dialog.data.get("flow", "")))
    if turn.dialog.flow != GATED or not turn.dialog.active or wizard is None:
        return False
    wizard.start(turn, str(turn.dialog.data.get(CONTEXT, "")))
    return True


def resume(turn: Turn) -> bool:
    """「つづける」: re-ask the wizard step the person was at; False if not in a wizard."""
    wizard = WIZARDS.get(turn.dialog.flow or "")
    if wizard is None or not turn.dialog.active:
        return False
    wizard.ask(turn)
    return True


__all__ = [
    "WIZARDS",
    "Wizard",
    "WizardAnswer",
    "WizardConfirm",
    "WizardDone",
    "WizardEdit",
    "WizardForm",
    "WizardSkip",
    "WizardStop",
    "resume",
    "resume_gated",
]
