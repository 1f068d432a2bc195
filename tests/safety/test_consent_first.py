"""Consent first: the privacy notice comes before a first contribution dialog, and agreeing goes
straight on into it (no 「もう一度」, no button to find again)."""

from __future__ import annotations

from tests.conftest import count


def test_the_notice_comes_before_the_first_question_and_agreeing_goes_on(make_person, engine):
    c = make_person("U-first", "はじめて", consent=False)
    c.command("post")
    assert "そのまま つづきに すすみます" in c.text
    assert "タイトル" not in c.text  # no question before the notice
    c.tap("同意する")
    assert "では、はじめます" in c.text and "タイトル" in c.text
    c.say("はじめての 花だん")
    c.say("駅前に 花を 植えます")
    c.tap("環境・みどり")
    c.tap("区内全域")
    c.tap("決定")
    c.tap("とばす")
    c.tap("定員なし")
    c.tap("投稿する")
    assert "投稿しました" in c.text
    assert count(engine, "initiative") == 1


def test_declining_starts_nothing_and_keeps_nothing(make_person, engine):
    c = make_person("U-no", "いいえ", consent=False)
    c.command("post")
    c.tap("同意しない")
    c.say("はじめての 花だん")  # not taken as a title: no dialog is waiting
    assert count(engine, "initiative") == 0
    assert "内容を 送ってください" not in c.text


def test_someone_who_agreed_earlier_is_asked_at_once(make_person):
    c = make_person("U-yes", "はい")
    c.command("post")
    assert "タイトル" in c.text and "同意すると" not in c.text
