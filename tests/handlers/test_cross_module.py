"""Links between modules: report buttons on cards, meetings from initiatives, resume words."""

from __future__ import annotations

from tests.conftest import count
from tests.support.conversation import buttons_of
from tests.support.initiatives import latest, post


def test_a_resident_reports_an_initiative_from_its_card(people, engine):
    poster = people("U-p", "田中")
    post(poster)
    other = people("U-o", "佐藤")
    ini = latest(engine)
    other.command("browse")
    other.tap("くわしく")
    other.tap("通報する")
    other.tap("不適切(ふてきせつ)な内容")  # 通報する asks once, with the reason (issue 17)
    assert "通報を 受け付けました" in other.text
    assert count(engine, "report") == 1
    poster.command("browse")
    poster.tap("くわしく")
    assert "通報する" not in [b.label for b in buttons_of(poster.last)]  # not on your own post
    assert ini.id


def test_the_poster_sets_up_a_meeting_from_the_initiative_card(people, engine):
    poster = people("U-p2", "田中")
    post(poster)
    poster.command("browse")
    poster.tap("くわしく")
    poster.tap("集いを設定")
    assert "集いの 名前を 送ってください" in poster.text


def test_resume_words_repeat_the_question_inside_a_dialog(people):
    c = people("U-r", "鈴木")
    c.command("post")
    c.say("つづける")  # not taken as the title
    assert "① 取組の タイトルを 送ってください" in c.text
    c.say("公園の そうじ")
    assert "② " in c.text  # the dialog goes on from there
