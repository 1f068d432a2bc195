"""Kyodo application layer: app factory, neutral core and channel adapters."""
