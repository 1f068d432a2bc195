"""The message catalog: every word Kyodo says to a person, Japanese first, English second.

Messages live in ``messages/<domain>.toml``; each table is one message with a ``ja`` and an
``en`` text (``str.format`` placeholders). Keys are ``<domain>.<name>``. Handlers call
``turn.t("initiatives.posted", title=...)``; nothing user-facing is written in code.

A person reads one of three registers: ``ja`` (ふつうの日本語: standard kanji-kana, です・ます),
``easy`` (やさしい日本語: short sentences, phrase spacing, readings) and ``en``. Resident-facing
messages have an ``easy`` text; staff-facing ones need only ``ja``/``en``, and ``easy`` falls back
to ``ja`` for them.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ja", "en")  # every message has these
REGISTERS = ("ja", "easy", "en")  # what a person may choose (Person.language)
JAPANESE = ("ja", "easy")  # the two Japanese registers
FALLBACK = {"easy": "ja"}  # a register without its own text reads this one (then ja)
MESSAGES_DIR = Path(__file__).parent / "messages"


def register_for(hint: str | None, default: str) -> str:
    """A new person's register from a platform hint: "ja" means Japanese in the ward's default
    Japanese register (ふつう unless the ward chose やさしい); no hint means the default."""
    if hint in ("easy", "en"):
        return hint
    if hint == "ja":
        return default if default in JAPANESE else "ja"
    return default if default in REGISTERS else "ja"


def reading(language: str, *, staff: bool = False) -> str:
    """The register a person reads: ward staff get the staff register (plain standard Japanese,
    no phrase spacing) even where the deployment's default for new people is やさしい日本語."""
    return "ja" if staff and language == "easy" else language


class Catalog:
    def __init__(self, entries: Mapping[str, Mapping[str, str]]):
        self._entries = dict(entries)

    @classmethod
    def load(cls, directory: Path = MESSAGES_DIR) -> Catalog:
        entries: dict[str, dict[str, str]] = {}
        for path in sorted(directory.glob("*.toml")):
            domain = path.stem
            with path.open("rb") as fh:
                data = tomllib.load(fh)
            for name, texts in data.items():
                entries[f"{domain}.{name}"] = texts
        return cls(entries)

    def message_keys(self) -> list[str]:
        return sorted(self._entries)

    def raw(self, key: str) -> Mapping[str, str]:
        return self._entries[key]

    def text(self, key: str, language: str, **params: Any) -> str:
        texts = self._entries.get(key)
        if texts is None:
            raise KeyError(f"message {key!r} is not in the catalog")
        template = self.template(key, language)
        return template.format(**params) if params else template

    def translator(self, language: str | None) -> Translator:
        return Translator(self, language if language in REGISTERS else "ja")

    def words(self, key: str) -> set[str]:
        """A keyword entry's alternatives ("|"-separated) in every register."""
        return {w for text in self._entries[key].values() for w in text.split("|") if w}

    def all_texts(self) -> list[str]:
        return [t for texts in self._entries.values() for t in texts.values()]

    def placeholders(self, key: str, language: str) -> set[str]:
        return {
            name for _, name, _, _ in string.Formatter().parse(self.template(key, language)) if name
        }

    def template(self, key: str, language: str) -> str:
        """The unformatted text a person of ``language`` reads (after the fallback)."""
        texts = self._entries[key]
        return texts.get(language) or texts.get(FALLBACK.get(language, "ja")) or texts["ja"]


class Translator:
    """Binds the catalog to one person's language."""

    def __init__(self, catalog: Catalog, language: str):
        self.catalog = catalog
        self.language = language

    def __call__(self, key: str, **params: Any) -> str:
        return self.catalog.text(key, self.language, **params)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return Catalog.load()
