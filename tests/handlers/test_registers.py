"""Three registers: a new person reads the ward's default (ふつう in the product), and a switch
of register changes the wording of the very next message."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.app import build_runtime
from bot.ward import WardConfigError, load_ward
from storage.models import ChannelAccount, Person
from tests.support.conversation import Conversation, buttons_of


def language_of(engine, user: str) -> str:
    with Session(engine) as db:
        account = db.exec(select(ChannelAccount).where(ChannelAccount.external_id == user)).one()
        return db.get(Person, account.person_id).language


@pytest.fixture
def product_runtime(settings, engine, clock, messenger):
    """The runtime with the product's default (no test override): the ward's ふつう."""
    plain = settings.model_copy(update={"default_language": None})
    return build_runtime(plain, engine=engine, clock=clock, messengers={"simulator": messenger})


def test_a_new_person_reads_futsu_by_default(product_runtime, engine):
    c = Conversation(product_runtime, user="U-futsu", language=None)
    c.follow()
    assert language_of(engine, "U-futsu") == "ja"
    assert "地域の取組を進めるための窓口です" in c.text
    assert "何をしますか？ボタンを選んでください。" in c.text
    labels = [b.label for b in buttons_of(c.last)]
    assert "やさしい日本語で読む" in labels and "English" in labels


def test_switching_register_changes_the_next_message(product_runtime, engine):
    c = Conversation(product_runtime, user="U-switch", language=None)
    c.follow()
    c.tap("やさしい日本語で読む")
    assert language_of(engine, "U-switch") == "easy"
    assert "やさしい 日本語で 表示(ひょうじ)します" in c.text
    c.say("メニュー")
    assert "なにを しますか？ ボタンを えらんでください。" in c.text
    c.say("日本語")
    assert language_of(engine, "U-switch") == "ja"
    c.say("メニュー")
    assert "何をしますか？ボタンを選んでください。" in c.text
    c.say("やさしい日本語")  # the keyword sets (never toggles) the register
    c.say("やさしい日本語")
    assert language_of(engine, "U-switch") == "easy"


def test_keywords_match_in_every_register(runtime, engine):
    c = Conversation(runtime, user="U-kw")
    c.say("English")
    c.say("やさしい日本語")
    assert language_of(engine, "U-kw") == "easy"
    c.say("マイページ")
    assert "ことば / Language" in [b.label for b in buttons_of(c.last)]


def test_the_ward_configuration_chooses_the_default(tmp_path, settings, engine, clock, messenger):
    text = load_ward_text().replace('default_language = "ja"', 'default_language = "easy"')
    path = tmp_path / "ward.toml"
    path.write_text(text, encoding="utf-8")
    assert load_ward(path).default_language == "easy"
    ward_easy = settings.model_copy(update={"default_language": None, "ward_config": str(path)})
    rt = build_runtime(ward_easy, engine=engine, clock=clock, messengers={"simulator": messenger})
    Conversation(rt, user="U-ward", language=None).follow()
    assert language_of(engine, "U-ward") == "easy"
    path.write_text(text.replace('default_language = "easy"', 'default_language = "fr"'))
    with pytest.raises(WardConfigError, match="default_language"):
        load_ward(path)


def load_ward_text() -> str:
    from bot.ward import DEFAULT_PATH

    return DEFAULT_PATH.read_text(encoding="utf-8")
