"""Helpers every step may use: files written atomically, text made safe to show."""
