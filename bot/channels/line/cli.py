"""``kyodo line ...``: LINE channel tools for operators."""

from __future__ import annotations

import asyncio

import typer

from bot.settings import Settings

app = typer.Typer(help="LINE channel tools.")


@app.command("rich-menu")
def rich_menu(
    language: str = typer.Option("ja", help="Language of the chat-bar text and area labels."),
) -> None:
    """Create (or reuse) the Kyodo rich menu and make it the default. Safe to run twice."""
    from bot.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, json=settings.is_production)
    if not settings.line_enabled:
        typer.echo("LINE is not configured: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN")
        raise typer.Exit(2)
    result = asyncio.run(run_sync(settings, language))
    state = "created" if result.created else "already up to date"
    typer.echo(
        f"rich menu {result.menu_id} is the default ({state}; removed {len(result.deleted)} old)"
    )


async def run_sync(settings: Settings, language: str = "ja"):
    """Build the clients inside the running loop (aiohttp needs one), sync, close."""
    from linebot.v3.messaging import (
        AsyncApiClient,
        AsyncMessagingApi,
        AsyncMessagingApiBlob,
        Configuration,
    )

    from bot.channels.line.richmenu import sync_rich_menu
    from bot.i18n import default_catalog

    config = Configuration(
        host=settings.line_api_base_url.rstrip("/"),
        access_token=settings.line_channel_access_token,
    )
    async with AsyncApiClient(config) as client:
        return await sync_rich_menu(
            AsyncMessagingApi(client),
            AsyncMessagingApiBlob(client),
            default_catalog(),
            language=language,
        )
