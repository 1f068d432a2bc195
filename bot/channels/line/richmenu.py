"""The default rich menu: six big areas that run the main-menu commands.

The menu is named ``kyodo-main <fingerprint>`` (hash of the definition and the image), so
running ``kyodo line rich-menu`` twice reuses the same menu instead of creating another, and a
changed image or layout replaces the old menu (old ``kyodo-main`` menus are deleted after the
new one is the default). The image ships in the package (``richmenu.png``, made by
``scripts/make_rich_menu.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)

from bot.core.actions import pack
from bot.i18n import Catalog
from handlers.common import MENU, Menu

log = logging.getLogger("kyodo.line.richmenu")

IMAGE = Path(__file__).parent / "richmenu.png"
NAME_PREFIX = "kyodo-main"
WIDTH, HEIGHT = 2500, 843
COLUMNS, ROWS = 3, 2


def menu_request(catalog: Catalog, language: str = "ja") -> RichMenuRequest:
    """Six areas in a 3×2 grid, in the order of ``handlers.common.MENU`` (same as the image)."""
    areas = []
    for index, (name, label_key) in enumerate(MENU):
        col, row = index % COLUMNS, index // COLUMNS
        x0, x1 = WIDTH * col // COLUMNS, WIDTH * (col + 1) // COLUMNS
        y0, y1 = HEIGHT * row // ROWS, HEIGHT * (row + 1) // ROWS
        label = catalog.text(label_key, language)
        areas.append(
            RichMenuArea(
                bounds=RichMenuBounds(x=x0, y=y0, width=x1 - x0, height=y1 - y0),
                action=PostbackAction(label=label[:20], data=pack(Menu(name)), display_text=label),
            )
        )
    return RichMenuRequest(
        size=RichMenuSize(width=WIDTH, height=HEIGHT),
        selected=True,
        name=NAME_PREFIX,
        chat_bar_text=catalog.text("line.richmenu_chat_bar", language)[:14],
        areas=areas,
    )


def fingerprint(request: RichMenuRequest, image: bytes) -> str:
    definition = json.dumps(request.to_dict(), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(definition + image).hexdigest()[:16]


@dataclass
class SyncResult:
    menu_id: str
    created: bool
    deleted: list[str] = field(default_factory=list)


async def sync_rich_menu(
    api: AsyncMessagingApi,
    blob: AsyncMessagingApiBlob,
    catalog: Catalog,
    *,
    language: str = "ja",
    image: bytes | None = None,
) -> SyncResult:
    """Create (or reuse) the Kyodo rich menu, make it the default, delete outdated copies."""
    image = IMAGE.read_bytes() if image is None else image
    request = menu_request(catalog, language)
    name = f"{NAME_PREFIX} {fingerprint(request, image)}"
    request.name = name
    existing = (await api.get_rich_menu_list()).richmenus or []
    ours = [m for m in existing if (m.name or "").startswith(NAME_PREFIX)]
    same = [m for m in ours if m.name == name]
    created = False
    if same:
        menu_id = same[0].rich_menu_id
        if not await _has_image(blob, menu_id):  # an earlier run stopped half-way
            await _upload(blob, menu_id, image)
    else:
        menu_id = (await api.create_rich_menu(request)).rich_menu_id
        created = True
        await _upload(blob, menu_id, image)
    await api.set_default_rich_menu(menu_id)
    deleted = []
    for menu in ours:
        if menu.rich_menu_id != menu_id:
            await api.delete_rich_menu(menu.rich_menu_id)
            deleted.append(menu.rich_menu_id)
    log.info("rich menu %s is the default (created=%s, deleted=%d)", name, created, len(deleted))
    return SyncResult(menu_id=menu_id, created=created, deleted=deleted)


async def _upload(blob: AsyncMessagingApiBlob, menu_id: str, image: bytes) -> None:
    await blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": "image/png"})


async def _has_image(blob: AsyncMessagingApiBlob, menu_id: str) -> bool:
    try:
        await blob.get_rich_menu_image_with_http_info(menu_id)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True
