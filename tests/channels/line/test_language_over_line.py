"""Over LINE (signed webhooks in, what LINE received out): 「日本語」 twice stays Japanese."""

from __future__ import annotations

from tests.channels.line.residents import resident


def test_japanese_twice_stays_japanese_and_english_sets_english(line, line_api):
    person = resident(line, line_api, "U" + "f" * 32)
    person.say("日本語")
    assert "日本語で表示します" in person.text
    person.say("日本語")
    assert "日本語で表示します" in person.text
    person.say("English")
    assert "I will use English from now on" in person.text
    person.say("English")
    assert "I will use English from now on" in person.text
