"""The submission queue: the form, the list and each submission's page."""
