"""Test doubles and helpers shared by the suites (channel stand-ins, transcripts)."""
