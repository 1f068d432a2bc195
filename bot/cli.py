"""The ``kyodo`` command: serve, worker, db upgrade, demo-data (and channel tools)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from typing import Any

import typer

from bot.channels.line import cli as line_cli
from bot.logs import configure_logging
from bot.settings import ConfigurationError, Settings

app = typer.Typer(help="Kyodo: LINE + Slack front end for public-private collaboration.")
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(line_cli.app, name="line")


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level, json=settings.is_production)
    return settings


def _check(settings: Settings) -> None:
    """Refuse to start on a configuration error: one line naming the variable, exit code 2."""
    try:
        settings.check()
    except ConfigurationError as exc:
        typer.echo(f"kyodo: refusing to start: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Web worker processes (use PostgreSQL for more than 1)."),
) -> None:
    """Run the web service (webhooks, simulator) with the reminder dispatcher inside."""
    import uvicorn

    settings = _settings()
    _check(settings)
    url = listening_url(host, port)
    if "public_base_url" not in settings.model_fields_set:
        # links Kyodo sends point where this server really listens; the app factory (and any
        # worker process) reads Settings from the environment again
        os.environ["KYODO_PUBLIC_URL"] = url
    if settings.simulator_enabled:
        typer.echo(f"Kyodo simulator: {url}/simulator")
    kwargs = _config_kwargs(host, port, workers)
    if workers > 1:
        uvicorn.run(**kwargs)
    else:
        _quiet_server(uvicorn.Config(**kwargs)).run()


def listening_url(host: str, port: int) -> str:
    """The base URL of ``kyodo serve --host --port`` (a wildcard host is reached locally)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _config_kwargs(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "app": "bot.app:create_app",
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": None,
        "proxy_headers": True,
        "timeout_graceful_shutdown": 5,  # a stuck request must not hold up a restart
    }


def _quiet_server(config: Any) -> Any:
    """uvicorn's Server, plus: on the first Ctrl-C or SIGTERM the simulator's open event streams
    end at once, so shutdown takes a moment instead of waiting out (then cancelling, with
    tracebacks) every connected browser tab."""
    import uvicorn

    from bot.channels.simulator.hub import close_streams

    class Server(uvicorn.Server):
        loop: asyncio.AbstractEventLoop | None = None

        async def serve(self, sockets: Any = None) -> None:
            self.loop = asyncio.get_running_loop()
            await super().serve(sockets)

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            # the process is about to end: spare the interpreter's final garbage collection of
            # everything loaded so far (seconds on a busy machine, for nothing)
            gc.freeze()
            if self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(close_streams)

    return Server(config)


@app.command()
def worker() -> None:
    """Handle webhook events from the inbox and deliver scheduled messages (scaled setups)."""
    settings = _settings()
    _check(settings)
    asyncio.run(_worker(settings))


async def _worker(settings: Settings) -> None:
    from bot.app import build_runtime
    from bot.channels import line, slack
    from schedules.scheduler import Scheduler

    runtime = build_runtime(settings)
    for channel in (line, slack):
        await channel.start(runtime)
    scheduler = Scheduler(runtime.job_context, runtime.outbox, settings.timezone)
    scheduler.start()
    runtime.inbox.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("kyodo.worker").info("worker running")
    await stop.wait()
    await runtime.inbox.stop()
    await scheduler.stop()
    for channel in (slack, line):
        await channel.stop(runtime)
    runtime.engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to DATABASE_URL."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    typer.echo("database is up to date")


@db_app.command("revision")
def db_revision(message: str = typer.Option(..., "-m", help="What the change is.")) -> None:
    """Autogenerate a migration from the models (developers)."""
    from storage.migrate import revision

    revision(_settings().database_url, message)


@app.command("demo-data")
def demo_data() -> None:
    """Load a realistic sample ward (safe to run twice)."""
    from bot.i18n import JAPANESE
    from bot.ward import load_ward
    from storage.db import make_engine
    from storage.demo import load_demo
    from storage.migrate import upgrade

    settings = _settings()
    default = settings.default_language or load_ward(settings.ward_config).default_language
    engine = make_engine(settings.database_url)
    upgrade(engine)
    summary = load_demo(engine, japanese=default if default in JAPANESE else "ja")
    engine.dispose()
    typer.echo(f"demo ward loaded: {summary}")


@app.command("dialogs")
def dialogs(write: bool = typer.Option(False, "--write", help="rewrite docs/dialogs")) -> None:
    """Check (or, with --write, regenerate) each dialog's diagram in docs/dialogs."""
    from bot.core import wizard_diagram
    from handlers import build_router

    build_router()  # every domain module declares its dialogs on import
    if write:
        for path in wizard_diagram.write():
            typer.echo(f"wrote {path}")
    problems = wizard_diagram.stale()
    typer.echo("\n".join(problems) or "docs/dialogs is up to date")
    raise typer.Exit(1 if problems else 0)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
