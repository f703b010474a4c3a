"""Personalize filters: their names, their expression grammar, and the checks run at synth."""
