"""Judges: their verdicts audited against people, and their pairs."""
