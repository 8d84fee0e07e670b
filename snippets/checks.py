"""Argument checks in one line, so that a function's body shows its idea."""

# --8<-- [start:require]
def require(condition: bool, message: str) -> None:
    """Raise ValueError(message) unless `condition` holds: a function's argument check."""
    if not condition:
        raise ValueError(message)
# --8<-- [end:require]
