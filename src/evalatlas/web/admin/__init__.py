"""Moderation: flags and card overrides, behind the admin token."""
