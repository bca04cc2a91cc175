"""The capability map and discovery: which models are good at what."""
