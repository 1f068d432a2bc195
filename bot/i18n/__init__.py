"""The message catalog: every word Kyodo says to a person, Japanese first, English second.

Messages live in ``messages/<domain>.toml``; each table is one message with a ``ja`` and an
``en`` text (``str.format`` placeholders). Keys are ``<domain>.<name>``. Handlers call
``turn.t("initiatives.posted", title=...)``; nothing user-facing is written in code.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ja", "en")
MESSAGES_DIR = Path(__file__).parent / "messages"


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
        template = texts.get(language) or texts["ja"]
        return template.format(**params) if params else template

    def translator(self, language: str | None) -> Translator:
        return Translator(self, language if language in LANGUAGES else "ja")

    def all_texts(self) -> list[str]:
        return [t for texts in self._entries.values() for t in texts.values()]

    def placeholders(self, key: str, language: str) -> set[str]:
        return {
            name for _, name, _, _ in string.Formatter().parse(self._entries[key][language]) if name
        }


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
