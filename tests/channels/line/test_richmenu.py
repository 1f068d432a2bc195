"""``kyodo line rich-menu``: six areas, shipped image, idempotent, replaces outdated menus."""

from __future__ import annotations

import struct

from typer.testing import CliRunner

from bot.channels.line.richmenu import IMAGE, menu_request
from bot.cli import app
from bot.core.actions import unpack
from bot.i18n import default_catalog
from handlers.common import Menu
from tests.channels.line.conftest import SECRET, TOKEN


def run_cli(line_api):
    env = {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": line_api.url,
        "KYODO_LOG_LEVEL": "WARNING",
    }
    return CliRunner().invoke(app, ["line", "rich-menu"], env=env)


def test_image_is_shipped_in_the_package_within_limits():
    data = IMAGE.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (2500, 843)
    assert len(data) <= 1024 * 1024


def test_areas_run_the_six_menu_commands():
    request = menu_request(default_catalog())
    actions = [unpack(a.action.data) for a in request.areas]
    assert actions == [Menu(n) for n in ("browse", "post", "ideas", "plans", "me", "help")]
    labels = [a.action.display_text for a in request.areas]
    assert labels == [
        "取組をさがす",
        "取組を投稿",
        "アイデア募集",
        "参加予定",
        "マイページ",
        "ヘルプ",
    ]
    covered = sum(a.bounds.width * a.bounds.height for a in request.areas)
    assert covered == request.size.width * request.size.height  # no dead zones, no overlap
    assert len(request.chat_bar_text) <= 14


def test_running_twice_creates_one_menu_and_sets_it_as_default(line_api):
    first = run_cli(line_api)
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    second = run_cli(line_api)
    assert second.exit_code == 0, second.output
    assert "already up to date" in second.output
    assert len(line_api.menus) == 1
    (menu_id,) = line_api.menus
    assert line_api.default_menu == menu_id
    assert line_api.images[menu_id] == IMAGE.read_bytes()
    creates = [r for r in line_api.requests if r.path == "/v2/bot/richmenu"]
    assert len(creates) == 1
    upload = next(r for r in line_api.requests if r.path.endswith("/content"))
    assert upload.headers["content-type"] == "image/png"


def test_a_changed_menu_replaces_the_old_one(line_api):
    assert run_cli(line_api).exit_code == 0
    (old,) = line_api.menus
    line_api.menus[old]["name"] = "kyodo-main 0000000000000000"  # as if the image changed
    assert run_cli(line_api).exit_code == 0
    assert old not in line_api.menus
    assert len(line_api.menus) == 1
    assert line_api.default_menu in line_api.menus


def test_a_half_finished_earlier_run_gets_its_image(line_api):
    assert run_cli(line_api).exit_code == 0
    line_api.images.clear()
    assert run_cli(line_api).exit_code == 0
    assert len(line_api.menus) == 1 and len(line_api.images) == 1


def test_other_rich_menus_are_left_alone(line_api):
    other = menu_request(default_catalog()).to_dict() | {"name": "campaign"}
    line_api.menus["richmenu-other"] = {"richMenuId": "richmenu-other", **other}
    assert run_cli(line_api).exit_code == 0
    assert "richmenu-other" in line_api.menus


def test_without_line_settings_it_says_what_is_missing():
    result = CliRunner().invoke(
        app, ["line", "rich-menu"], env={"LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN" in result.output
