"""Ranks: every ranking source side by side, with rank correlations and disagreements."""
