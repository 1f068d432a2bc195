"""LINE Messaging API channel (residents and groups)."""

from bot.channels.line.webhook import router, start, stop

__all__ = ["router", "start", "stop"]
