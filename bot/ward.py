"""The ward's vocabulary (categories, areas, strengths) and plan indicators, from TOML.

An indicator names a ledger measure (storage/ledger.py); a wrong name stops start-up with a
message naming it, rather than showing a silent zero on the public page for a year.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n import REGISTERS
from storage.ledger import MEASURES

DEFAULT_PATH = Path(__file__).with_name("ward_default.toml")


@dataclass(frozen=True)
class Vocabulary:
    """Codes in a fixed order, each with a label per language."""

    labels: dict[str, dict[str, str]]

    @property
    def codes(self) -> list[str]:
        return list(self.labels)

    def label(self, code: str | None, language: str) -> str:
        if code is None:
            return ""
        texts = self.labels.get(code)
        if texts is None:
            return code
        return texts.get(language) or texts["ja"]

    def options(self, language: str) -> list[tuple[str, str]]:
        return [(code, self.label(code, language)) for code in self.labels]

    def __contains__(self, code: object) -> bool:
        return code in self.labels


PERIODS = ("fiscal_year", "month", "all")


class WardConfigError(ValueError):
    """The ward configuration cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class Indicator:
    """A plan target (e.g. 協働の取組数 40 per fiscal year) measured by a ledger measure."""

    code: str
    label: dict[str, str]
    measure: str
    period: str = "fiscal_year"
    target: int | None = None

    def display(self, language: str) -> str:
        return self.label.get(language) or self.label["ja"]


@dataclass(frozen=True)
class AnswerRules:
    """The ward's promise to residents: a first answer to every idea within ``days``; an idea
    with ``supports`` supports or more is flagged for staff (cf. Taiwan's Join platform)."""

    days: int = 14
    supports: int = 10


@dataclass(frozen=True)
class Ward:
    name: dict[str, str]
    timezone: str
    categories: Vocabulary
    areas: Vocabulary
    strengths: Vocabulary
    indicators: tuple[Indicator, ...] = ()
    evaluation_after_days: int = 3  # 協働評価: partners are asked this many days after 完了
    answers: AnswerRules = AnswerRules()
    default_language: str = "ja"  # what a new person reads: ja (ふつう), easy (やさしい) or en

    def display_name(self, language: str) -> str:
        return self.name.get(language) or self.name["ja"]


def load_ward(path: str | Path | None = None) -> Ward:
    with Path(path or DEFAULT_PATH).open("rb") as fh:
        data = tomllib.load(fh)
    return Ward(
        name=data["name"],
        timezone=data.get("timezone", "Asia/Tokyo"),
        categories=Vocabulary(data["categories"]),
        areas=Vocabulary(data["areas"]),
        strengths=Vocabulary(data["strengths"]),
        indicators=tuple(_indicator(i, raw) for i, raw in enumerate(data.get("indicators", []))),
        evaluation_after_days=_after_days(data.get("evaluation_after_days", 3)),
        answers=_answers(data.get("answers", {})),
        default_language=_default_language(data.get("default_language", "ja")),
    )


def _after_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
        raise WardConfigError(
            f"ward configuration: evaluation_after_days must be a whole number 0–365, not {value!r}"
        )
    return value


def _answers(raw: Any) -> AnswerRules:
    if not isinstance(raw, dict):
        raise WardConfigError("ward configuration: [answers] must be a table")
    values = {}
    for key in ("days", "supports"):
        value = raw.get(key, getattr(AnswerRules, key))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise WardConfigError(
                f"ward configuration: answers.{key} must be a whole number ≥ 1, not {value!r}"
            )
        values[key] = value
    return AnswerRules(**values)


def _default_language(value: object) -> str:
    if value not in REGISTERS:
        raise WardConfigError(
            f"ward configuration: default_language {value!r} is not one of {', '.join(REGISTERS)}"
        )
    return str(value)


def _indicator(index: int, raw: dict[str, Any]) -> Indicator:
    code = str(raw.get("code") or f"#{index + 1}")
    where = f"ward configuration: indicator {code!r}"
    measure = raw.get("measure")
    if measure not in MEASURES:
        raise WardConfigError(
            f"{where}: unknown measure {measure!r} (known: {', '.join(MEASURES)})"
        )
    period = raw.get("period", "fiscal_year")
    if period not in PERIODS:
        raise WardConfigError(f"{where}: unknown period {period!r} (known: {', '.join(PERIODS)})")
    label = raw.get("label")
    if not isinstance(label, dict) or not label.get("ja"):
        raise WardConfigError(f"{where}: label needs at least ja")
    target = raw.get("target")
    if target is not None and (not isinstance(target, int) or target < 0):
        raise WardConfigError(f"{where}: target must be a whole number ≥ 0, not {target!r}")
    return Indicator(code=code, label=dict(label), measure=measure, period=period, target=target)
