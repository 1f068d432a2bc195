"""``kyodo worker`` under pyinstrument, for ``bench.turns --profile``.

pyinstrument samples one thread, and a turn runs in two: the event loop (claiming inbox rows,
sending the reply) and a handler thread (``Dispatcher.process``: the database work and
rendering). So the loop thread gets one profiler for the whole run and each ``process`` call
its own, combined at exit. Two text reports go to ``bench/results/turns-profile-*.txt``.
"""

from __future__ import annotations

import atexit
import functools
import sys
import threading
from typing import Any

from pyinstrument import Profiler
from pyinstrument.session import Session

from bench.harness import RESULTS
from bot.core.dispatch import Dispatcher

_sessions: list[Session] = []
_lock = threading.Lock()
_original = Dispatcher.process


@functools.wraps(_original)
def _profiled(self: Dispatcher, *args: Any, **kwargs: Any) -> Any:
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    try:
        return _original(self, *args, **kwargs)
    finally:
        session = profiler.stop()
        with _lock:
            _sessions.append(session)


def _write(loop_profiler: Profiler, tag: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    loop_session = loop_profiler.stop()
    (RESULTS / f"turns-profile-{tag}-loop.txt").write_text(
        loop_profiler.output_text(show_all=False, time="percent_of_total")
    )
    if _sessions:
        combined = _sessions[0]
        for session in _sessions[1:]:
            combined = Session.combine(combined, session)
        from pyinstrument.renderers import ConsoleRenderer

        renderer = ConsoleRenderer(time="percent_of_total", show_all=False)
        (RESULTS / f"turns-profile-{tag}-process.txt").write_text(renderer.render(combined))
    del loop_session


def main() -> None:
    tag = sys.argv[1] if len(sys.argv) > 1 else "worker"
    Dispatcher.process = _profiled  # type: ignore[method-assign]
    loop_profiler = Profiler(interval=0.001, async_mode="disabled")
    loop_profiler.start()
    atexit.register(_write, loop_profiler, tag)
    from bot.cli import main as cli

    sys.argv = ["kyodo", "worker"]
    cli()


if __name__ == "__main__":
    main()
