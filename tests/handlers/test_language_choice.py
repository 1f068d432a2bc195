"""Language is set, not toggled: 「日本語」 sets Japanese and "English" sets English whatever
the person used before, each confirmed in the new language; マイページ offers the choice."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.common import SetLanguage
from storage.models import ChannelAccount, Person
from tests.support.conversation import Conversation, buttons_of


def language_of(engine, user: str) -> str:
    with Session(engine) as db:
        account = db.exec(select(ChannelAccount).where(ChannelAccount.external_id == user)).one()
        return db.get(Person, account.person_id).language


def test_japanese_twice_stays_japanese(runtime, engine):
    c = Conversation(runtime, user="U-ja")
    c.say("日本語")
    assert "日本語で表示します" in c.text
    c.say("日本語")
    assert "日本語で表示します" in c.text and "English" not in c.text
    assert language_of(engine, "U-ja") == "ja"


def test_english_twice_stays_english_and_japanese_comes_back(runtime, engine):
    c = Conversation(runtime, user="U-en")
    c.say("English")
    assert "I will use English from now on" in c.text
    c.say("english")
    assert "I will use English from now on" in c.text
    assert language_of(engine, "U-en") == "en"
    c.say("日本語")
    assert "日本語で表示します" in c.text
    assert language_of(engine, "U-en") == "ja"


def test_my_page_offers_the_languages_as_buttons(runtime, engine):
    c = Conversation(runtime, user="U-me")
    c.follow()
    c.command("me")
    assert "ことば / Language" in [b.label for b in buttons_of(c.last)]
    c.tap("ことば / Language")
    assert "ことばを えらんでください" in c.text
    assert [b.label for b in buttons_of(c.last)] == ["日本語", "English"]
    c.tap("English")
    assert "I will use English from now on" in c.text
    assert language_of(engine, "U-me") == "en"
    c.command("me")
    c.tap("Language / ことば")
    c.tap("English")  # the same choice again: still English
    assert "I will use English from now on" in c.text
    assert language_of(engine, "U-me") == "en"
    c.press(SetLanguage("ja"))
    assert "日本語で表示します" in c.text


def test_a_forged_language_button_changes_nothing(runtime, engine):
    c = Conversation(runtime, user="U-forge")
    c.say("日本語")
    c.press(SetLanguage("xx"))
    assert "言語を選んでください" in c.text
    assert language_of(engine, "U-forge") == "ja"


def test_staff_command_sets_the_given_language(runtime, engine):
    c = Conversation(runtime, user="S-lang", staff=True, name="職員")
    c.command("language", "en")
    assert "English from now on" in c.text
    c.command("language", "en")
    assert language_of(engine, "S-lang") == "en"
    c.command("language")
    assert [b.label for b in buttons_of(c.last)][:2] == ["日本語", "English"]


def test_staff_who_chose_easy_japanese_see_it_marked_as_their_choice(runtime, engine):
    """Staff read plain Japanese whatever they chose; the menu still names what they chose."""
    c = Conversation(runtime, user="S-easy", staff=True, name="職員", language="easy")
    c.follow()
    assert language_of(engine, "S-easy") == "easy"
    c.command("language")
    assert "いまの設定はやさしい日本語です" in c.text
    assert "ふつうの日本語のまま" in c.text
    assert [b.label for b in buttons_of(c.last)] == ["日本語", "English"]
    c.tap("日本語")
    assert language_of(engine, "S-easy") == "ja"
    c.command("language")
    assert "いまの設定" not in c.text
    assert "やさしい日本語" in [b.label for b in buttons_of(c.last)]
