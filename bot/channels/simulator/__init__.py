"""The web chat simulator: a LINE-like phone and a Slack-like pane, as a real channel."""

from bot.channels.simulator.web import router, start, stop

__all__ = ["router", "start", "stop"]
