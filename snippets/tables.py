"""Lists of rows shown as Markdown tables in a notebook (and as plain text elsewhere)."""

# --8<-- [start:table]
class Table:
    """Rows of equal keys that a notebook shows as a Markdown table (no pandas needed)."""

    def __init__(self, rows: list[dict]):
        if not rows or any(row.keys() != rows[0].keys() for row in rows):
            raise ValueError(f"rows must be a non-empty list of dicts with the same keys, "
                             f"got {rows!r:.200}")
        self.rows = rows

    def _repr_markdown_(self) -> str:
        """The table as Markdown; Jupyter calls this to display the object."""
        def cell(value) -> str:
            return str(value).replace("|", "\\|").replace("\n", " ")

        header = list(self.rows[0])
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(cell(row[key]) for key in header) + " |" for row in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._repr_markdown_()


def human_count(n: float) -> str:
    """A count the way papers write it: 213M, 1.5B, 175B, 1.4T."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:g}"
# --8<-- [end:table]
