"""Plots over the board: score against size, outliers, ranks."""
