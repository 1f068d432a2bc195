"""Slack channel (ward staff)."""

from bot.channels.slack.webhook import router, start, stop

__all__ = ["router", "start", "stop"]
