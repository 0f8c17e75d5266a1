"""The app's UI helpers: shared widgets, session-owned workers and figure builders (no tensor maths)."""
