"""The staff console in the simulator's Slack pane, in headless Chromium: open Home, press
担当する on a waiting initiative, and see the queue and the #staff card change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from storage.models import ChannelAccount, Initiative, Person

pytestmark = pytest.mark.browser

TITLE = "川沿いの花壇づくり"


def seed_waiting_initiative(engine, clock, key: str = "tanaka") -> int:
    """An initiative a resident posted, with no 担当 yet (the store the handlers read)."""
    with Session(engine) as db:
        person = db.exec(
            select(Person)
            .join(ChannelAccount, ChannelAccount.person_id == Person.id)  # type: ignore[arg-type]
            .where(ChannelAccount.channel == "simulator", ChannelAccount.external_id == key)
        ).one()
        assert person.actor_id is not None
        ini = Initiative(
            actor_id=person.actor_id,
            poster_id=person.id,
            title=TITLE,
            description="川沿いに花壇をつくります。",
            category="kankyo",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        db.add(ini)
        db.commit()
        return ini.id


def test_claim_from_the_console_changes_the_queue_and_the_staff_card(sim, live, engine, clock):
    seed_waiting_initiative(engine, clock)
    slack = sim.slack
    slack.open("home")
    home = sim.page.locator("#view-home")
    expect(home).to_contain_text("職員コンソール")
    item = home.locator(".bk-queue .bk-item", has_text=TITLE)
    expect(item).to_have_count(1)
    sim.shot("console")

    item.get_by_role("button", name="担当する", exact=True).click()
    expect(home).to_contain_text(f"「{TITLE}」の担当になりました。")  # what the press did
    expect(
        home.locator(".bk-item", has_text=TITLE).get_by_role("button", name="担当する")
    ).to_have_count(0)
    mine = home.locator(".bk-queue", has_text="自分が担当している取組")
    expect(mine).to_contain_text(TITLE)
    expect(sim.page.locator("#view-dm")).to_be_hidden()  # the press stayed in Home
    sim.shot("claimed")

    assert live.call(live.runtime.outbox.drain) >= 1  # the #staff card, through the outbox
    slack.open("staff")
    card = sim.page.locator("#view-staff .bk-card", has_text=TITLE).last
    expect(card).to_contain_text("山本 直子")
    expect(card.get_by_role("button", name="担当する", exact=True)).to_have_count(0)
    sim.shot("staff-card")
