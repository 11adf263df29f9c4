"""Runnable examples (``python -m convkit.examples.seed_note``)."""
