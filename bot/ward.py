"""The ward's vocabulary (categories, areas, strengths), loaded from TOML configuration."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Ward:
    name: dict[str, str]
    timezone: str
    categories: Vocabulary
    areas: Vocabulary
    strengths: Vocabulary

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
    )
