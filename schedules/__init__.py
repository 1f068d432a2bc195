"""Scheduled delivery: the outbox dispatcher and periodic jobs.

The database holds the truth (``outbox_message`` rows); APScheduler only wakes things up.
"""
