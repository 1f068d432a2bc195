"""A realistic sample ward for the simulator and evaluations. (Filled in with the simulator.)"""

from __future__ import annotations

from sqlalchemy import Engine


def load_demo(engine: Engine) -> dict[str, int]:
    return {}
