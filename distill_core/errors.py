"""User-facing errors: one clear sentence that says what to change.

The CLI prints ``str(err)`` and exits non-zero; the app shows it in the page. Neither shows a traceback
for a user's mistake.
"""


class DistillError(ValueError):
    """A mistake in the user's input (teacher, dimension, text, learning rate...)."""


class DivergedError(DistillError):
    """The loss became NaN or infinite; the run so far is kept."""
