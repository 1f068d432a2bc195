"""Over LINE (signed webhooks in, what LINE received out): 参加をやめる → はい → 取り消す,
通報する → reason, and a poster's own card."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Participation, Report
from tests.channels.line.residents import bubbles_in, resident


def post_initiative(poster) -> None:
    poster.menu("post")
    poster.say("地域の防災訓練を一緒に")
    poster.say("町会と いっしょに 防災訓練を します。")
    poster.tap("防災・防犯")
    poster.tap("阿佐谷")
    poster.tap("人手")
    poster.tap("決定(けってい)")
    poster.tap("とばす")
    poster.tap("定員なし")
    poster.tap("投稿する")
    assert "投稿しました" in poster.text


def test_withdraw_confirm_and_undo_and_a_report_with_a_reason(line, line_api, engine):
    poster = resident(line, line_api, "U" + "1" * 32)
    post_initiative(poster)
    taro = resident(line, line_api, "U" + "2" * 32)
    taro.menu("browse")
    taro.tap("くわしく")
    taro.tap("参加したい")
    assert "参加を 受け付けました" in taro.text
    taro.menu("browse")
    taro.tap("くわしく")
    taro.tap("参加をやめる")
    assert "ほんとうに" in taro.text
    taro.tap("はい")
    assert "とりやめました" in taro.text
    taro.tap("とりけす")
    assert "ふたたび 参加しています" in taro.text
    with Session(engine) as db:
        assert db.exec(select(Participation.status)).all() == ["joined"]

    taro.menu("browse")
    taro.tap("くわしく")
    bubble = bubbles_in(taro.seen)[0]
    footer = bubble["footer"]["contents"]
    assert footer[-2]["type"] == "separator"
    assert footer[-1]["action"]["label"] == "通報する" and footer[-1]["style"] == "link"
    taro.tap("通報する")
    assert "理由を えらんでください" in taro.text
    taro.tap("宣伝(せんでん)・勧誘(かんゆう)")
    assert "通報を 受け付けました" in taro.text
    with Session(engine) as db:
        assert db.exec(select(Report.reason)).all() == ["promotion"]


def test_the_posters_own_card_says_so_and_offers_no_join(line, line_api):
    poster = resident(line, line_api, "U" + "3" * 32)
    post_initiative(poster)
    poster.menu("browse")
    poster.tap("くわしく")
    assert "あなたの取組です" in poster.text
    assert "参加したい" not in str(poster.seen)
