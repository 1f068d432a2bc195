"""Per-process hourly counters for the message rate limit (kept out of the dispatcher)."""

from __future__ import annotations

import threading
from typing import Any


class HourlyCounters:
    """In-process per-hour event counters (the message rate limit) — per process, not shared.

    Counting in memory saves a row read and write on every turn. With several web processes
    each counts on its own, so the effective limit is N × the setting; a restart forgets.
    Only the current and the previous hour are kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = ""
        self._counts: dict[Any, int] = {}

    def hit(self, key: Any, window: str) -> int:
        with self._lock:
            if window != self._window:
                if window < self._window:  # an injected clock went back: count on its own
                    return 1
                self._window, self._counts = window, {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
            return count
