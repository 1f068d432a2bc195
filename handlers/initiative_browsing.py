"""Browsing and searching initiatives: pages of cards, filters by category, area and keyword."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Carousel,
    Choices,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.initiative_access import DIALOG_TTL, S, get_visible
from handlers.initiative_views import (
    initiative_card,
    sanitize,
)
from handlers.text_fields import PostedText
from storage.queries import initiatives as q

router = Router()

KEYWORD_MAX = 20
# ================================================================ browse and search


@router.command("browse", keywords="initiatives.kw_browse")
def browse(turn: Turn, _args: str) -> None:
    show_page(turn, "", "", "", 0)


def show_page(turn: Turn, category: str, area: str, keyword: str, offset: int) -> None:
    t = turn.t
    rows, more = q.browse(
        turn.db,
        category=category or None,
        area=area or None,
        keyword=keyword or None,
        offset=offset,
    )
    filters = _filter_text(turn, category, area, keyword)
    if not rows:
        turn.say_text(
            "initiatives.none_found" if offset == 0 else "initiatives.no_more", filters=filters
        )
    else:
        more_button = (
            Button(
                label=t("initiatives.more"),
                data=pack(a.Browse(category, area, keyword, offset + len(rows))),
            )
            if more
            else None
        )
        turn.say(
            Carousel(
                alt_text=t("initiatives.browse_alt", filters=filters),
                cards=tuple(initiative_card(turn, ini) for ini in rows),
                more=more_button,
            )
        )
    buttons = [
        Button(
            label=t("initiatives.by_category"),
            data=pack(a.BrowseFilter("category", category, area)),
        ),
        Button(label=t("initiatives.by_area"), data=pack(a.BrowseFilter("area", category, area))),
        Button(label=t("initiatives.by_keyword"), data=pack(a.BrowseSearch())),
    ]
    if category or area or keyword:
        buttons.append(Button(label=t("initiatives.show_all"), data=pack(a.Browse("", "", "", 0))))
    turn.say(Choices(text=t("initiatives.browse_filters", filters=filters), buttons=tuple(buttons)))


def _filter_text(turn: Turn, category: str, area: str, keyword: str) -> str:
    lang = turn.t.language
    parts = [
        turn.ward.categories.label(category, lang) if category else "",
        turn.ward.areas.label(area, lang) if area else "",
        f"「{keyword}」" if keyword else "",
    ]
    return " / ".join(p for p in parts if p) or turn.t("initiatives.all")


@router.action(a.Browse)
def browse_page(turn: Turn, act: a.Browse) -> None:
    category = act.category if act.category in turn.ward.categories else ""
    area = act.area if act.area in turn.ward.areas else ""
    keyword = sanitize(act.keyword)[:KEYWORD_MAX]
    show_page(turn, category, area, keyword, max(0, min(act.offset, 100000)))


@router.action(a.BrowseFilter)
def browse_filter(turn: Turn, act: a.BrowseFilter) -> None:
    t = turn.t
    if act.kind == "area":
        options = turn.ward.areas.options(t.language)
        buttons = tuple(
            Button(label=label, data=pack(a.Browse(act.category, code, "", 0)))
            for code, label in options
        )
        buttons += (
            Button(label=t("initiatives.all"), data=pack(a.Browse(act.category, "", "", 0))),
        )
        turn.say(Choices(text=t("initiatives.choose_area"), buttons=buttons))
    else:
        options = turn.ward.categories.options(t.language)
        buttons = tuple(
            Button(label=label, data=pack(a.Browse(code, act.area, "", 0)))
            for code, label in options
        )
        buttons += (Button(label=t("initiatives.all"), data=pack(a.Browse("", act.area, "", 0))),)
        turn.say(Choices(text=t("initiatives.choose_category"), buttons=buttons))


@dataclass(frozen=True)
class SearchDraft:
    keyword: str


SEARCH = Wizard(
    flow="isearch",
    title="initiatives.by_keyword",
    fields=(
        PostedText(
            name="keyword",
            label="initiatives.by_keyword",
            ask="initiatives.ask_keyword",
            max_length=KEYWORD_MAX,
        ),
    ),
    draft=SearchDraft,
    submit=lambda turn, draft, _context: show_page(turn, "", "", draft.keyword, 0),
    confirm=False,  # the answer is the search itself
    forms=False,
    ttl=DIALOG_TTL,
)
SEARCH.register(router)


@router.action(a.BrowseSearch)
def browse_search(turn: Turn, _act: a.BrowseSearch) -> None:
    SEARCH.start(turn)


@router.action(a.Show)
def show(turn: Turn, act: a.Show) -> None:
    ini = get_visible(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status == S.CANCELLED and not q.can_manage(turn.db, ini, turn.person):
        turn.say_text("common.not_found")
        return
    turn.say(initiative_card(turn, ini, detail=True))
