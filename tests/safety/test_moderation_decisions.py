"""A staff decision settles the open reports: after 「再表示」, one more report must not hide
the item again — only a fresh set of reports reaching the threshold does."""

from __future__ import annotations

from handlers.moderation import Decide, ReportItem
from storage.db import session_scope
from storage.models import Initiative


def _hidden(engine, item_id: int) -> bool:
    with session_scope(engine) as db:
        return db.get(Initiative, item_id).hidden


def test_a_restored_item_is_not_hidden_again_by_the_next_single_report(
    runtime, engine, make_person, initiative
):
    item, _poster = initiative
    for i in range(3):
        make_person(f"U-r{i}", f"通報者{i}").press(ReportItem("initiative", item.id))
    assert _hidden(engine, item.id)
    staff = make_person("U-staff", "山本", staff=True)
    staff.press(Decide("initiative", item.id, "restore"))
    assert not _hidden(engine, item.id)

    make_person("U-r3", "通報者3").press(ReportItem("initiative", item.id))
    assert not _hidden(engine, item.id)  # one new report, not three
    make_person("U-r4", "通報者4").press(ReportItem("initiative", item.id))
    assert not _hidden(engine, item.id)
    make_person("U-r5", "通報者5").press(ReportItem("initiative", item.id))
    assert _hidden(engine, item.id)  # three new reports: hidden again
