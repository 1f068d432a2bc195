"""Channel-neutral core: events in, replies out, one dispatcher for every channel.

Nothing here imports linebot, slack_bolt, slack_sdk, fastapi or apscheduler.
"""
