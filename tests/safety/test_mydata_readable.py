"""マイデータ as a person can use it: a button in マイページ and in ヘルプ, a readable summary card,
and two downloads through signed links — an HTML page in the person's language and JSON whose
fields are explained — with names instead of internal codes (no ``slack_ts``, no ``takaido``)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from storage.db import session_scope
from storage.models import Actor, ChannelAccount, Initiative, Person, Subscription
from tests.support.conversation import buttons_of

INTERNAL = ("slack_ts", "takaido", "asagaya", "bousai", "calendar_token", "actor_id", "U-me")


def with_records(engine, user: str, *, language: str = "ja") -> int:
    """The person's profile in 高井戸, an initiative (with a Slack stamp) and a follow."""
    with session_scope(engine) as db:
        pid = db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == user)
        ).one()
        person = db.get(Person, pid)
        person.language = language
        actor = db.get(Actor, person.actor_id)
        actor.area, actor.interests = "takaido", ["bousai"]
        db.add(
            Initiative(
                actor_id=actor.id,
                poster_id=pid,
                title="高井戸 防災まち歩き",
                description="町会と 歩きます。",
                category="bousai",
                area="takaido",
                slack_ts="1712345678.000100",
            )
        )
        db.add(Subscription(person_id=pid, topic="area", value="asagaya"))
        return pid


def links(c) -> dict[str, str]:
    """The download card's link buttons, by label."""
    [card] = [r for r in c.last if getattr(r, "links", ())]
    return {b.label: b.url for b in card.links}


def local_path(url: str) -> str:
    u = urlparse(url)
    return f"{u.path}?{u.query}"


def test_my_data_is_a_button_in_my_page_and_in_help(make_person):
    c = make_person("U-me", "山田")
    c.command("me")
    assert "マイデータ" in [b.label for b in buttons_of(c.last)]
    c.tap("マイデータ")
    [card] = [r for r in c.last if getattr(r, "title", "") == "マイデータ"]
    assert dict(card.fields)["言語(げんご)"] == "やさしい日本語"  # a name, not the code "easy"
    c.command("help")
    c.tap("マイデータ")
    assert any(getattr(r, "title", "") == "マイデータ" for r in c.last)


def test_the_download_is_a_readable_page_and_explained_json_without_codes(make_person, engine, app):
    c = make_person("U-me", "山田")
    with_records(engine, "U-me")
    c.say("マイデータ")
    c.tap("ダウンロード")
    urls = links(c)
    assert set(urls) == {"ページで見る", "JSONをダウンロード"}
    with TestClient(app) as http:
        page = http.get(local_path(urls["ページで見る"]))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        for shown in ("マイデータ — 山田", "投稿した取組", "高井戸 防災まち歩き", "高井戸",
                      "防災・防犯", "阿佐谷", "募集中", "日本語"):  # fmt: skip
            assert shown in html, shown
        got = http.get(local_path(urls["JSONをダウンロード"]))
        assert got.status_code == 200
        data = got.json()
    assert data["person"]["display_name"] == "山田"
    assert data["profile"]["area"] == "高井戸"
    [posted] = data["initiatives"]
    assert (posted["area"], posted["category"], posted["status"]) == (
        "高井戸",
        "防災・防犯",
        "募集中",
    )
    assert data["subscriptions"] == [
        {"topic": "地域", "value": "阿佐谷", "delivery": "週1回まとめて"}
    ]
    # every field of every section is explained
    for section in ("person", "profile", "initiatives", "subscriptions"):
        rows = data[section] if isinstance(data[section], list) else [data[section]]
        for row in rows:
            assert set(row) <= set(data["fields"][section]["fields"])
    assert data["fields"]["profile"]["fields"]["area"].startswith("地域:")
    raw = got.text + html
    for code in INTERNAL:
        assert code not in raw, code


def test_an_english_speaker_gets_the_page_and_json_in_english(make_person, engine, app):
    c = make_person("U-en", "Anna")
    with_records(engine, "U-en", language="en")
    c.say("マイデータ")
    c.tap("Download")
    urls = links(c)
    with TestClient(app) as http:
        html = http.get(local_path(urls["Open the page"])).text
        data = http.get(local_path(urls["Download JSON"])).json()
    assert "Projects you posted" in html and "Takaido" in html and "投稿した" not in html
    assert data["profile"]["area"] == "Takaido" and data["person"]["language"] == "English"


def test_an_easy_japanese_reader_gets_the_page_and_json_in_easy_japanese(make_person, engine, app):
    c = make_person("U-easy", "山田")
    with_records(engine, "U-easy", language="easy")
    c.say("マイデータ")
    c.tap("ダウンロード")
    urls = links(c)
    with TestClient(app) as http:
        html = http.get(local_path(urls["ページで見る"])).text
        data = http.get(local_path(urls["JSONをダウンロード"])).json()
    assert '<html lang="ja">' in html  # やさしい日本語 is Japanese to a browser or reader
    assert "所属(しょぞく)している 団体" in html and "表示名(ひょうじめい)" in html
    assert "所属している団体" not in html  # not the ふつう text
    assert data["about"].startswith("Kyodo が 保存(ほぞん)している")
    assert data["fields"]["person"]["fields"]["display_name"] == (
        "表示名(ひょうじめい): ほかの 人に 見(み)える 名前です。"
    )
    assert data["person"]["language"] == "やさしい日本語"


@pytest.mark.parametrize("ext", ["html", "json"])
def test_forged_swapped_or_expired_links_are_refused(make_person, engine, app, clock, ext):
    c = make_person("U-me", "山田")
    other = make_person("U-other", "佐藤")
    c.say("マイデータ")
    c.tap("ダウンロード")
    urls = links(c)
    url = urlparse(urls["ページで見る" if ext == "html" else "JSONをダウンロード"])
    mine = url.path
    with session_scope(engine) as db:
        theirs = db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == "U-other")
        ).one()
    assert other is not None
    swapped_ext = mine.replace(f".{ext}", ".json" if ext == "html" else ".html")
    with TestClient(app) as http:
        assert http.get(f"{mine}?{url.query}").status_code == 200
        assert http.get(f"{mine}?{url.query.replace('sig=', 'sig=0')}").status_code == 403
        assert http.get(f"{swapped_ext}?{url.query}").status_code == 403  # one link, one format
        assert http.get(f"/mydata/{theirs}.{ext}?{url.query}").status_code == 403
        assert http.get(mine).status_code == 403
        clock.advance(timedelta(minutes=16))
        assert http.get(f"{mine}?{url.query}").status_code == 403
