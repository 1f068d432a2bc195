"""Plan indicators from the ward configuration, measured by the ledger, shown to staff."""

from __future__ import annotations

import pytest

from bot.app import build_runtime
from bot.core.replies import Card
from bot.ward import WardConfigError, load_ward
from handlers import initiative_actions as a
from storage import ledger
from tests.handlers.test_outcome_ledger import complete
from tests.support.initiatives import latest, post

BAD_WARD = """
name = { ja = "テスト区" }
[categories]
bousai = { ja = "防災" }
[areas]
asagaya = { ja = "阿佐谷" }
[strengths]
hands = { ja = "人手" }
[[indicators]]
code = "joins"
label = { ja = "申込み数" }
measure = "signups_total"
target = 5
"""


def test_an_unknown_measure_stops_start_up_naming_it(tmp_path, settings, engine, clock):
    path = tmp_path / "ward.toml"
    path.write_text(BAD_WARD, encoding="utf-8")
    bad = settings.model_copy(update={"ward_config": str(path)})
    with pytest.raises(WardConfigError) as err:
        build_runtime(bad, engine=engine, clock=clock)
    assert "'joins'" in str(err.value) and "'signups_total'" in str(err.value)
    assert "initiatives_completed" in str(err.value)  # what would have been accepted


def test_the_default_ward_ships_indicators_on_ledger_measures():
    indicators = load_ward().indicators
    assert [i.display("ja") for i in indicators] == [
        "協働の取組数",
        "参加者数",
        "アイデア採用数",
        "新しい協働の組み合わせ",
    ]
    assert all(i.measure in ledger.MEASURES and i.target for i in indicators)


def test_staff_numbers_show_actual_against_target_and_the_public_link(people, staff, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    people("U-j1", "たろう").press(a.Join(ini.id))
    complete(owner, ini.id)
    (card,) = staff.command("numbers")
    assert isinstance(card, Card)
    assert "協働の取組数（2026年度）：1 ／ 目標 40（2%）" in card.body
    assert "参加者数（2026年度）：1 ／ 目標 600" in card.body
    assert "推移 0 → 0 → 0 → 0 → 1" in card.body
    assert "完了した取組 1件・参加者 1人" in card.body
    assert "/public" in card.body
    english = people("S-en", "Staff", staff=True, language="en")
    (card,) = english.command("numbers")
    assert "Collaborative initiatives completed (FY2026): 1 of a 40 target" in card.body
