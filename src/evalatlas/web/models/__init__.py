"""A model's page and its runs' per-sample records."""
