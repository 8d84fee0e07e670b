"""An exercise's starting point and its solution are sections of snippets/<chapter>/exercises.py
that the lesson shows as cells of their own; a test runs one section alone, as the cell runs."""

import re
from pathlib import Path

SNIPPETS = Path(__file__).parents[1] / "snippets"


def run_section(chapter: str, name: str, **needs) -> dict:
    """The names that section `name` of snippets/<chapter>/exercises.py defines, run alone but
    for `needs`: what its `# Needs:` line names, which the lesson includes before it."""
    path = SNIPPETS / chapter / "exercises.py"
    found = re.search(rf"^# --8<-- \[start:{name}\]\n(.*?)^# --8<-- \[end:{name}\]",
                      path.read_text(), re.M | re.S)
    if found is None:
        raise KeyError(f"snippets/{chapter}/exercises.py has no section {name!r}")
    namespace = dict(needs)
    exec(compile(found[1], f"{path}:{name}", "exec"), namespace)
    return namespace
