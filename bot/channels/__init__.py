"""Channel adapters. Each package exposes ``router`` (FastAPI routes) and
``start(runtime)`` / ``stop(runtime)`` called from the app's lifespan.

An adapter verifies the request, translates it to neutral events, hands them to the
dispatcher, and renders neutral replies natively. Only ``line`` imports linebot and only
``slack`` imports slack_bolt/slack_sdk.
"""
