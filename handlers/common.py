"""Menu, help, cancel, resume, language and the lifecycle events every channel shares."""

from __future__ import annotations

import dataclasses

from sqlmodel import select

from bot.core import wizard, wizard_routes
from bot.core.actions import action, pack
from bot.core.events import Followed, Unfollowed, Unsupported
from bot.core.replies import Button, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from bot.i18n import REGISTERS
from handlers import privacy
from storage.models import ChannelAccount

router = Router()
router.include(wizard_routes.router)  # the buttons and forms every declared dialog shares

# (command, catalog label). The menu shows only commands some module has registered.
MENU = (
    ("browse", "common.menu_browse"),
    ("post", "common.menu_post"),
    ("ideas", "common.menu_ideas"),
    ("plans", "common.menu_plans"),
    ("me", "common.menu_me"),
    ("help", "common.menu_help"),
)


@action("c")
class Menu:
    """A menu or rich-menu button that runs a command."""

    name: str


def menu_choices(turn: Turn, text_key: str = "common.menu") -> Choices:
    buttons = tuple(
        Button(label=turn.t(label), data=pack(Menu(name)))
        for name, label in MENU
        if name in turn.commands
    )
    return Choices(text=turn.t(text_key), buttons=buttons)


@router.action(Menu)
def run_menu(turn: Turn, menu: Menu) -> None:
    handler = turn.commands.get(menu.name)
    if handler is None:
        return unknown(turn)
    return handler(turn, "")


@router.command("help", keywords="keywords.help")
def show_help(turn: Turn, _args: str) -> None:
    """Staff get their own commands (the router's ``staff=True`` ones); residents the usual help."""
    if turn.person.is_staff and turn.staff_commands:
        turn.say(staff_help(turn))
        return
    turn.say_text("common.help")
    menu = menu_choices(turn)
    if "mydata" in turn.commands:  # マイデータ: see, download or delete what Kyodo holds
        mine = Button(label=turn.t("common.menu_mydata"), data=pack(Menu("mydata")))
        menu = Choices(text=menu.text, buttons=(*menu.buttons, mine))
    turn.say(menu)


def staff_help(turn: Turn) -> Choices:
    """One line per staff command, from the catalog, and a button that runs each."""
    names = sorted(turn.staff_commands)
    lines = [turn.t("staff.help")]
    lines += [turn.t("staff.help_line", name=n, about=turn.t(f"staff.cmd_{n}")) for n in names]
    buttons = tuple(Button(label=turn.t(f"staff.btn_{n}"), data=pack(Menu(n))) for n in names)
    return Choices(text="\n".join(lines), buttons=buttons)


@router.command("menu")
def show_menu(turn: Turn, _args: str) -> None:
    turn.say(menu_choices(turn))


@router.command("cancel", keywords="keywords.cancel")
def cancel(turn: Turn, _args: str) -> None:
    if not turn.dialog.active:
        turn.say_text("common.nothing_to_cancel")
    else:
        turn.dialog.clear()
        turn.say_text("common.cancelled")
    turn.say(menu_choices(turn))


@router.command("resume", keywords="keywords.resume")
def resume(turn: Turn, _args: str) -> None:
    """Re-ask the current question after an interruption (every dialog is a declared wizard)."""
    if wizard.resume(turn):
        return
    turn.say_text("common.resume_nothing")
    turn.say(menu_choices(turn))


LANGUAGES = REGISTERS  # ja ふつうの日本語, easy やさしい日本語, en English


@action("cl")
class SetLanguage:
    """A button of the language choice (``language`` is "ja", "easy" or "en")."""

    language: str


def language_buttons(turn: Turn) -> tuple[Button, ...]:
    """日本語 and English always; やさしい日本語 unless it is the person's choice (the
    choice's text names it, so the list holds what one may switch to). The stored choice
    counts, not the register shown: staff who chose やさしい日本語 read plain Japanese."""
    return tuple(
        Button(label=turn.t(f"common.language_{c}"), data=pack(SetLanguage(c)))
        for c in ("ja", "en", "easy")
        if c != "easy" or turn.person.language != "easy"
    )


def language_prompt(turn: Turn) -> str:
    """The choice's text; it names やさしい日本語 when that is the stored choice, also for
    staff, who read it in the staff register (and are told their messages stay ふつう)."""
    if turn.person.language == "easy" and turn.language != "easy":
        return turn.t("staff.language_choose_easy")
    return turn.t("common.language_choose")


@router.command("language")
def choose_language(turn: Turn, args: str) -> None:
    """``/kyodo language en`` sets; with no argument (マイページ's button) offer the choices."""
    code = args.strip().lower()
    if code in LANGUAGES:
        return set_language(turn, code)
    turn.say(Choices(text=language_prompt(turn), buttons=language_buttons(turn)))


@router.command("japanese", keywords="keywords.japanese")
def to_japanese(turn: Turn, _args: str) -> None:
    set_language(turn, "ja")


@router.command("easy", keywords="keywords.easy")
def to_easy_japanese(turn: Turn, _args: str) -> None:
    set_language(turn, "easy")


@router.command("english", keywords="keywords.english")
def to_english(turn: Turn, _args: str) -> None:
    set_language(turn, "en")


@router.action(SetLanguage)
def set_language_button(turn: Turn, act: SetLanguage) -> None:
    if act.language not in LANGUAGES:  # a forged or stale button
        return choose_language(turn, "")
    set_language(turn, act.language)


def set_language(turn: Turn, code: str) -> None:
    """Set (never toggle): typing 「日本語」 twice stays Japanese. Confirms in the new language."""
    turn.person.language = code
    turn.db.add(turn.person)
    turn.say_text("common.language_set")
    turn.say(menu_choices(turn))


def register_switch(turn: Turn) -> tuple[Button, ...]:
    """One tap to each of the other two registers (やさしい日本語 / English, or ふつう)."""
    return tuple(
        Button(label=turn.t(f"common.switch_{c}"), data=pack(SetLanguage(c)))
        for c in ("ja", "easy", "en")
        if c != turn.person.language  # the stored choice (staff read 'easy' as plain 'ja')
    )


@router.on(Followed)
def followed(turn: Turn) -> None:
    """Welcome, (first time or after a policy change) the privacy notice, and the menu with a
    one-tap switch of register: a new person reads the ward's default until they choose."""
    turn.say_text("common.welcome")
    if not privacy.has_consent(turn):
        turn.say(privacy.notice(turn))
    menu = menu_choices(turn)
    turn.say(dataclasses.replace(menu, buttons=menu.buttons + register_switch(turn)))


@router.on(Unfollowed)
def unfollowed(turn: Turn) -> None:
    """Blocked: mark the account so no push goes to it until the person follows again."""
    account = turn.db.exec(
        select(ChannelAccount).where(
            ChannelAccount.channel == turn.event.address.channel,
            ChannelAccount.external_id == turn.event.address.user_id,
        )
    ).first()
    if account is not None:
        account.blocked = True
        turn.db.add(account)


@router.on(Unsupported)
def unsupported(turn: Turn) -> None:
    turn.say_text("common.unsupported")


@router.fallback
def unknown(turn: Turn) -> None:
    turn.say(menu_choices(turn, "common.unknown"))


@router.bad_action
def bad_action(turn: Turn) -> None:
    turn.say(menu_choices(turn, "common.bad_action"))
