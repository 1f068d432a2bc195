"""Slack channel (ward staff): Bolt on FastAPI, Block Kit, modals, App Home, staff threads."""

from bot.channels.slack.webhook import router, start, stop

__all__ = ["router", "start", "stop"]
