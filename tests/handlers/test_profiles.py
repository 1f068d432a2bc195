"""マイページ and profile editing as transcripts."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.replies import Card
from handlers import initiative_actions as a
from storage.models import Actor, Person
from tests.support.initiatives import latest, post


def test_my_page_edit_profile_and_open_it_from_a_card(people, engine):
    c = people("U-me", "なまえ")
    c.command("me")
    assert "マイページ：なまえ" in c.text
    c.tap("プロフィールを編集")
    c.tap("表示名")
    c.say("x" * 41)
    assert "40文字以内" in c.text
    c.say("ひまわり")
    assert "保存(ほぞん)しました" in c.text
    c.tap("地域")
    c.tap("荻窪")
    c.tap("活動(かつどう)・方針(ほうしん)")
    c.say("つづける")  # resume word re-asks instead of being saved
    assert "活動内容(かつどうないよう)・方針(ほうしん)を 送ってください" in c.text
    c.say("子どもの 見守りを しています")
    c.tap("関心(かんしん)のある分野")
    c.tap("子育て・教育")
    c.tap("防災・防犯")
    c.tap("決定")
    c.tap("できること")
    c.tap("人手")
    c.tap("決定")
    with Session(engine) as s:
        person = s.exec(select(Person).where(Person.display_name == "ひまわり")).one()
        actor = s.get(Actor, person.actor_id)
    assert (actor.name, actor.area, actor.interests, actor.strengths) == (
        "ひまわり",
        "ogikubo",
        ["bousai", "kosodate"],
        ["hands"],
    )
    post(c)
    viewer = people("U-viewer", "みる人", language="en")
    viewer.press(a.Show(latest(engine).id))
    viewer.tap("Profile")
    card = next(r for r in viewer.last if isinstance(r, Card))
    assert card.title == "ひまわり" and "U-me" not in str(viewer.last)
    assert "Edit profile" not in [b.label for b in card.buttons]
    c.command("me")
    c.tap("私の取組")
    assert "地域の防災訓練を一緒に" in c.text
    viewer.press(a.Join(latest(engine).id))
    viewer.press(a.MyParticipations())
    assert "地域の防災訓練を一緒に" in viewer.text


def test_interests_start_ticked_as_they_are_and_a_forged_value_changes_nothing(people, engine):
    from bot.core.wizard import TOKEN, WizardAnswer
    from storage.models import DialogState

    c = people("U-tick", "チェック")
    c.command("me")
    c.tap("プロフィールを編集")
    c.tap("関心(かんしん)のある分野")
    c.tap("防災・防犯")
    c.tap("決定")
    c.tap("関心(かんしん)のある分野")
    assert "✓ 防災・防犯" in [b.label for b in c.last[-1].buttons]  # ticked as it is now
    with Session(engine) as s:
        token = s.exec(select(DialogState)).one().data[TOKEN]
    c.press(WizardAnswer("pedit_interests", token, "interests", "no-such-category"))
    assert "つかえません" in c.text
    c.say("つづける")
    c.tap("✓ 防災・防犯")
    c.tap("決定")  # nothing ticked: cleared
    with Session(engine) as s:
        person = s.exec(select(Person).where(Person.display_name == "チェック")).one()
        assert s.get(Actor, person.actor_id).interests == []
