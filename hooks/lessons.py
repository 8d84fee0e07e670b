"""mkdocs hook: turn lessons/*.md into self-contained notebooks under docs/lessons/.

Each lesson's `--8<-- "snippets/x.py:section"` lines are expanded by pymdownx.snippets' own
preprocessor (check_paths: a missing file or section fails the build), and the result is
written as an .ipynb that mkdocs-jupyter executes, renders and offers as a download.
"""

import os
import shutil
from pathlib import Path

import jupytext
import markdown
import nbformat
from pymdownx.snippets import SnippetExtension

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
GENERATED = ROOT / "docs" / "lessons"

# The kernels that execute the lessons inherit this environment. No Hub access, ever; the
# site is built on the CPU so that its outputs are the same on every build. Progress bars
# (tqdm's, from GGUF dequantisation and weight loading) are silenced on purpose: in a
# rendered page they are debris, not information.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("LLM_COURSE_DEVICE", "cpu")
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ["TQDM_DISABLE"] = "1"


def expand_includes(text: str) -> str:
    """Replace every snippet include line with the code it names."""
    md = markdown.Markdown(
        extensions=[SnippetExtension(base_path=[str(ROOT)], check_paths=True)]
    )
    return "\n".join(md.preprocessors["snippet"].run(text.split("\n")))


def lesson_notebook(lesson: Path) -> str:
    """The lesson as a self-contained .ipynb document, without outputs."""
    notebook = jupytext.reads(expand_includes(lesson.read_text(encoding="utf-8")), fmt="md")
    notebook.metadata.pop("jupytext", None)
    for number, cell in enumerate(notebook.cells):  # jupytext draws random cell ids; the
        cell.id = f"cell-{number}"  # execution cache is keyed on the bytes, so fix them
    return nbformat.writes(notebook) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    """Write only new content, so that `mkdocs serve` does not rebuild in a loop."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def on_pre_build(config) -> None:
    GENERATED.mkdir(parents=True, exist_ok=True)
    wanted = {GENERATED / f"{lesson.stem}.ipynb": lesson for lesson in LESSONS.glob("*.md")}
    for target, lesson in wanted.items():
        write_if_changed(target, lesson_notebook(lesson))
    for stale in set(GENERATED.glob("*.ipynb")) - set(wanted):
        stale.unlink()


def on_post_build(config) -> None:
    """Serve MathJax from the site itself (the jupyter-server-mathjax package ships it)."""
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(static, Path(config["site_dir"]) / "assets" / "mathjax", dirs_exist_ok=True)
