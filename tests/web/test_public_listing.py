"""/public lists the newest LISTED completed initiatives and links the open-data CSV, which
holds all of them (seeded in bulk by the benchmark's own seeder, on the real store)."""

from __future__ import annotations

import re

from sqlmodel import Session

from bench.public_page import seed
from bot.web.public import LISTED
from storage.queries import public_items as p


def test_public_lists_the_newest_completed_and_links_the_csv_for_the_rest(client, engine):
    seed(engine, initiatives=90, participations=450)
    with Session(engine) as db:
        done = p.completed_initiatives(db)
    assert len(done) > LISTED
    html = client.get("/public").text
    section = re.search(r'id="h-done".*?</section>', html, re.DOTALL).group(0)
    titles = re.findall(r'<article class="item"><h3>(.*?)</h3>', section)
    assert titles == [i.title for i in done[:LISTED]]  # newest first, 30 of them
    assert "新しい順に 30件を載せています" in section
    assert '<a href="/open-data/initiatives.csv">' in section
    english = client.get("/public", params={"lang": "en"}).text
    assert "The 30 most recent are listed." in english
    rows = client.get("/open-data/initiatives.csv").text.strip().split("\r\n")
    assert len(rows) == 1 + len(done)  # the header and every completed initiative


def test_no_more_line_when_everything_fits(client, engine):
    seed(engine, initiatives=20, participations=100)
    html = client.get("/public").text
    assert "initiatives.csv" not in re.search(r'id="h-done".*?</section>', html, re.DOTALL).group(0)
