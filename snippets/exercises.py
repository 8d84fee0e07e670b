"""Exercises: a checker runs the reader's answer and says right, or not yet with a hint."""

# --8<-- [start:verdict]
import functools
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """A checker's answer: right, or not yet with a hint; a notebook shows it as one line."""

    right: bool
    message: str

    def __repr__(self) -> str:
        return ("Right. " if self.right else "Not yet. ") + self.message


def checker(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Make an error raised inside the reader's answer a Verdict that quotes it."""
    @functools.wraps(check)
    def checked(*args, **kwargs) -> Verdict:
        try:
            return check(*args, **kwargs)
        except Exception as error:  # whatever the answer raised is feedback, not a crash
            return Verdict(False, f"Your answer raised {type(error).__name__}: {error}")
    return checked
# --8<-- [end:verdict]
