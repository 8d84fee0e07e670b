"""The lesson sources: includes resolve, every snippet section is shown, no outputs, no code."""

import os
import re
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
from lessons import (  # noqa: E402
    FIGURE_ALT_INCLUDE,
    expand_includes,
    lesson_notebook,
    with_term_anchors,
)

LESSONS = sorted((ROOT / "lessons").glob("*.md"))
INCLUDE = re.compile(r'^--8<-- "(?P<path>[^":]+):(?P<section>[\w-]+)"$')
SECTION = re.compile(r"^# --8<-- \[start:(?P<section>[\w-]+)\]$", re.M)


def includes(lesson: Path) -> list[tuple[str, str]]:
    return [(m["path"], m["section"]) for line in lesson.read_text().splitlines()
            if (m := INCLUDE.match(line.strip()))]


CORE = [p for p in LESSONS if "-deep-dive-" not in p.stem]  # one per section of the notes


def test_every_lesson_is_in_the_nav_in_the_order_of_the_notes():
    """The lesson files, numbered in the notes' order, are the nav's Lessons in that order;
    a lesson with deep dives is a section holding the lesson, then its deep dives."""
    import yaml

    from lessons import deep_dives_of

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    lessons = next(item["Lessons"] for item in nav if isinstance(item, dict) and "Lessons" in item)
    stems = [p.stem for p in LESSONS]
    expected = []
    for lesson in CORE:
        dives = deep_dives_of(lesson.stem, stems)
        pages = [f"lessons/{stem}.ipynb" for stem in [lesson.stem, *dives]]
        expected.append(pages if len(pages) > 1 else pages[0])
    in_nav = [[next(iter(page.values())) for page in value] if isinstance(value, list) else value
              for value in (next(iter(entry.values())) for entry in lessons)]
    assert in_nav == expected
    assert [p.stem[:2] for p in CORE] == [f"{n:02}" for n in range(1, len(CORE) + 1)]
    assert all(re.match(r"\d\d-[a-z-]+\.md$", p.name) for p in LESSONS)
    assert CORE[-1].stem == "11-quiz"
    assert {p.stem[:2] for p in LESSONS} == {p.stem[:2] for p in CORE}  # no orphan deep dive


def test_answers_are_folded_together_and_helper_code_under_its_summary():
    """finish_lesson_page: consecutive answer= cells (prose and code) share one <details>."""
    from lessons import finish_lesson_page

    cells = [("markdown", {}), ("markdown", {"answer": "Answer"}), ("code", {"answer": "Answer"}),
             ("markdown", {}), ("code", {"answer": "Answer"}), ("code", {"fold": "Helper"})]
    notebook = {"cells": [{"cell_type": kind, "id": f"c{i}", "metadata": metadata}
                          for i, (kind, metadata) in enumerate(cells)]}
    page = "".join(f'<div id="cell-id=c{i}"><div class="jp-Cell-inputWrapper">in{i}</div>'
                   f'<div class="jp-Cell-outputWrapper">out{i}</div></div>'
                   for i in range(len(cells)))
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(finish_lesson_page(page, notebook), "html.parser")
    answers = soup.select("details.answer")
    assert [[div["id"] for div in d.find_all("div", id=True)] for d in answers] == [
        ["cell-id=c1", "cell-id=c2"], ["cell-id=c4"]]
    assert soup.find(id="cell-id=c3").find_parent("details") is None  # the question shows
    fold = soup.select_one("details.fold")
    assert fold.summary.string == "Helper" and fold.get_text() == "Helperin5"
    assert fold.find_parent("search-exclude") is not None  # helper code is not searched
    assert "out5" in soup.find(id="cell-id=c5").get_text()  # the output stays outside
    with pytest.raises(ValueError, match="marked answer= is not on the page"):
        finish_lesson_page("<p></p>", {"cells": [{"cell_type": "markdown", "id": "x",
                                                   "metadata": {"answer": "Answer"}}]})


def test_headings_stand_beside_the_cells_so_a_search_section_holds_its_cells():
    """Material's search parser ends a section where its heading's parent ends: the heading
    moves out of its markdown cell, the prose after it into a cell of its own."""
    from bs4 import BeautifulSoup

    from lessons import lift_headings_out_of_cells

    def markdown_cell(cell_id, html):
        return (f'<div class="jp-Cell jp-MarkdownCell" id="{cell_id}"><div class="wrap">'
                f'<div class="jp-RenderedMarkdown">{html}</div></div></div>')

    page = ('<div class="jp-Notebook">'
            + markdown_cell("m0", '<h1 id="t">Title</h1><p>intro</p><h2 id="a">A</h2><p>a1</p>')
            + '<div class="jp-Cell jp-CodeCell" id="c1"><pre>code_a</pre></div>'
            + markdown_cell("m2", '<h2 id="b">B</h2>')
            + markdown_cell("m3", '<p>b1</p><details><h3 id="x">X</h3></details>')
            + "</div>")
    soup = BeautifulSoup(page, "html.parser")
    lift_headings_out_of_cells(soup)
    notebook = soup.select_one(".jp-Notebook")
    assert [(child.name, child.get("id"), child.get_text()) for child in notebook.children] == [
        ("h1", "t", "Title"), ("div", None, "intro"), ("h2", "a", "A"), ("div", None, "a1"),
        ("div", "c1", "code_a"), ("h2", "b", "B"), ("div", "m3", "b1X")]
    assert notebook.find(id="x").find_parent(class_="jp-MarkdownCell") is not None
    assert [div["class"] for div in notebook.select(":scope > div:not([id])")] == [
        ["jp-Cell", "jp-MarkdownCell"]] * 2  # the split cells keep their wrappers


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_include_resolves_to_a_section(lesson):
    found = includes(lesson)
    assert found, f"{lesson.name} includes no snippet section"
    for path, section in found:
        source = (ROOT / path).read_text()
        assert f"# --8<-- [start:{section}]" in source, f"{lesson.name}: {path}:{section}"
        assert f"# --8<-- [end:{section}]" in source, f"{lesson.name}: {path}:{section}"


def test_every_snippet_section_is_shown_on_some_page():
    pages = LESSONS + sorted((ROOT / "docs").glob("*.md"))
    shown = {include for page in pages for include in includes(page)}
    shown.add(INCLUDE.match(FIGURE_ALT_INCLUDE).groups())  # added to every lesson with figures
    for module in sorted((ROOT / "snippets").rglob("*.py")):
        for section in SECTION.findall(module.read_text()):
            path = f"snippets/{module.relative_to(ROOT / 'snippets').as_posix()}"
            assert (path, section) in shown, f"{path}:{section} is on no page"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lessons_hold_no_outputs_and_no_code_of_their_own(lesson):
    notebook = jupytext.read(lesson)
    assert notebook.metadata["kernelspec"]["language"] == "python"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
            own = [line for line in cell.source.splitlines() if not INCLUDE.match(line)]
            defined = [line for line in own if re.match(r"\s*(def|class) ", line)]
            assert not defined, f"{lesson.name} defines code; move it to snippets/: {defined}"
        else:  # no pasted output blocks in the prose
            assert not re.search(r"```(text|output|console)|^\s*(tensor\(|Out\[)", cell.source,
                                 re.M), f"{lesson.name} holds an output: {cell.source[:200]}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_expanded_lesson_is_self_contained_and_the_same_every_time(lesson):
    notebook = lesson_notebook(lesson)
    assert "--8<--" not in notebook
    assert '"name": "python3"' in notebook
    assert lesson_notebook(lesson) == notebook  # same bytes: the build keeps its outputs


def test_a_figures_alt_text_is_the_description_its_png_carries():
    """finish_lesson_page writes into each figure's <img alt> the "Description" that
    snippets/plots.py:figure_alt put into its PNG."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lessons import finish_lesson_page

    png = io.BytesIO()
    fig = plt.figure()
    fig.savefig(png, format="png", metadata={"Description": "Loss; x axis step (from 0 to 1)"})
    plt.close(fig)
    source = base64.b64encode(png.getvalue()).decode()
    html = (f'<div class="jp-OutputArea-output"><img src="data:image/png;base64,{source}" '
            'alt="No description has been provided for this image"></div>')
    page = finish_lesson_page(html, {"cells": []})
    assert 'alt="Loss; x axis step (from 0 to 1)"' in page


def test_missing_snippet_file_or_section_fails_the_expansion():
    from pymdownx.snippets import SnippetMissingError

    with pytest.raises(SnippetMissingError):
        expand_includes('--8<-- "snippets/no_such_module.py:x"')
    with pytest.raises(SnippetMissingError, match="no_such_section"):
        expand_includes('--8<-- "snippets/attention/self_attention.py:no_such_section"')
    include = '--8<-- "snippets/attention/self_attention.py:future_mask"'
    assert "def future_mask" in expand_includes(include)


# A section a reader copies runs on its own after the sections it names in `# Needs:` lines.
BLOCK = re.compile(r"^# --8<-- \[start:(?P<name>[\w-]+)\]\n(?P<code>.*?)"
                   r"^# --8<-- \[end:(?P=name)\]", re.M | re.S)
NEEDS = re.compile(r"^# Needs: (?P<keys>.+)$", re.M)


def all_sections() -> dict[str, str]:
    """{"package/module.py:section": code} for every marked section of snippets/."""
    return {f"{module.relative_to(ROOT / 'snippets').as_posix()}:{m['name']}": m["code"]
            for module in sorted((ROOT / "snippets").rglob("*.py"))
            for m in BLOCK.finditer(module.read_text())}


SECTIONS = all_sections()


def with_needs(key: str, seen: tuple[str, ...] = ()) -> list[str]:
    """`key` after everything it names in its `# Needs:` lines, transitively, in order."""
    assert key in SECTIONS, f"{seen[-1] if seen else key} needs {key}, which is no section"
    assert key not in seen, f"circular needs: {' -> '.join(seen + (key,))}"
    order = []
    for match in NEEDS.finditer(SECTIONS[key]):
        for needed in match["keys"].split(","):
            order += [k for k in with_needs(needed.strip(), seen + (key,)) if k not in order]
    return order + [key]


def unresolved_globals(code, namespace: dict) -> set[str]:
    """Global names that `code` or any function or class in it reads but nobody defines."""
    import builtins
    import dis

    stored = {i.argval for i in dis.get_instructions(code) if i.opname == "STORE_NAME"}
    missing = {i.argval for i in dis.get_instructions(code)
               if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")
               and i.argval not in namespace and not hasattr(builtins, i.argval)
               and not (i.opname == "LOAD_NAME" and i.argval in stored)}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            missing |= unresolved_globals(const, namespace)
    return missing


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_section_runs_on_its_own_after_the_sections_it_names(key):
    namespace = {"__name__": "copied_block"}
    for needed in with_needs(key):
        exec(compile(SECTIONS[needed], needed, "exec"), namespace)
    code = compile(SECTIONS[key], key, "exec")
    assert not unresolved_globals(code, namespace), (
        f"{key} uses names that neither it nor its `# Needs:` sections define")


def test_a_section_that_hides_what_it_needs_is_caught():
    code = compile("def f():\n    return prefill(1)\n", "x", "exec")
    assert unresolved_globals(code, {}) == {"prefill"}
    assert unresolved_globals(code, {"prefill": print}) == set()


def test_no_path_of_a_machine_in_committed_pages_and_reports():
    pattern = re.compile(r"(?<![\w./-])/(?:work|root|tmp|home/[\w.-]+|Users/[\w.-]+)/[\w.-]+")
    for page in sorted((ROOT / "docs").rglob("*.md")):
        found = pattern.findall(page.read_text())
        assert not found, f"{page.relative_to(ROOT)} shows {sorted(set(found))}"


def test_getting_started_installs_what_every_notebook_says_it_needs():
    from lessons import install_commands

    assert install_commands() in (ROOT / "docs" / "getting-started.md").read_text()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_top_to_bottom_on_a_gpu(lesson, device):
    """Under `nox -s tests_gpu`, every lesson notebook runs with its models on CUDA (the
    site itself is built on the CPU, so a tensor left on the CPU would go unnoticed there)."""
    if device.type != "cuda":
        pytest.skip("runs under nox -s tests_gpu, on a machine with CUDA")
    from lessons import execute_lesson

    assert os.environ.get("LLM_COURSE_DEVICE") == "cuda"  # the kernel inherits it
    notebook, _ = execute_lesson(lesson)  # raises on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]


def test_a_lesson_that_breaks_is_named_with_its_cell_and_error(tmp_path):
    """What `nox -s tests_latest` reports when a new release breaks a lesson."""
    pytest.importorskip("nbclient", reason="needs the docs extras (nox -s tests_latest)")
    pytest.importorskip("ipykernel", reason="needs the docs extras (nox -s tests_latest)")
    from lessons import LessonError, execute_lesson

    lesson = tmp_path / "99-broken.md"
    lesson.write_text("# Broken\n\n```python\nfine = 1\n```\n\n"
                      "```python\nratio = fine / 0\nprint(ratio)\n```\n")
    with pytest.raises(LessonError) as error:
        execute_lesson(lesson)
    assert str(error.value) == (f"{lesson}: cell 3 of 3 (id cell-2, starting 'ratio = fine / 0') "
                                "raised ZeroDivisionError: division by zero")


def heading_anchors(lesson: Path) -> set[str]:
    """The ids of a lesson's headings on its page (Python-Markdown's slugs, as the toc makes)."""
    from markdown.extensions.toc import slugify

    text = re.sub(r"^```.*?^```", "", lesson.read_text(), flags=re.M | re.S)  # not in code
    return {slugify(m[1], "-") for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


ANCHORS = {p.stem: heading_anchors(p) for p in LESSONS}


def test_the_glossary_defines_forty_terms_each_linked_to_a_lesson_section():
    text = (ROOT / "docs" / "glossary.md").read_text()
    entries = re.findall(r"^(\S[^\n]*)\n:   (.+?)(?=\n\n|\Z)", text, re.M | re.S)
    terms = [term for term, _ in entries]
    assert len(terms) >= 40 and terms == sorted(terms, key=str.lower)
    for term, definition in entries:
        links = re.findall(r"\]\(lessons/([\w-]+)\.ipynb(?:#([\w-]+))?\)", definition)
        assert links, f"{term}: no link to a lesson"
        for lesson, anchor in links:
            assert lesson in ANCHORS, f"{term}: no lesson {lesson}"
            assert not anchor or anchor in ANCHORS[lesson], f"{term}: no #{anchor} in {lesson}"


def test_each_glossary_term_gets_its_own_anchor_named_as_a_heading_would_be():
    import markdown

    text = "Intro line.\n\nTop-p (nucleus) sampling\n:   Keep the likeliest.\n\nKV cache\n:   Keys."
    html = markdown.markdown(with_term_anchors(text), extensions=["attr_list", "def_list"])
    assert re.findall(r'<dt id="([^"]+)">([^<]+)</dt>', html) == [
        ("top-p-nucleus-sampling", "Top-p (nucleus) sampling"), ("kv-cache", "KV cache")]
    assert "<p>Intro line.</p>" in html  # a line that no definition follows is no term
    glossary = (ROOT / "docs" / "glossary.md").read_text()
    html = markdown.markdown(with_term_anchors(glossary), extensions=["attr_list", "def_list"])
    ids = re.findall(r'<dt id="([^"]+)"', html)
    assert len(ids) == html.count("<dt") >= 40 and len(set(ids)) == len(ids)  # none shared


def test_the_quiz_hides_each_answer_links_it_to_a_lesson_and_types_no_number():
    """At least 15 questions; each answer is an answer= region linking into a lesson; its
    prose holds no number the question does not (numbers come from answer code cells)."""
    quiz = (ROOT / "lessons" / "11-quiz.md").read_text()
    questions = re.split(r"^\*\*Question \d+\.\*\*", quiz, flags=re.M)[1:]
    assert len(questions) >= 15
    assert re.search(rf"^{len(questions)} questions across the lessons", quiz, re.M)  # the total
    numbers = [int(n) for n in re.findall(r"^\*\*Question (\d+)\.\*\*", quiz, re.M)]
    assert numbers == list(range(1, len(questions) + 1))
    for number, block in enumerate(questions, 1):
        question, _, rest = block.partition('<!-- #region answer="Answer" -->')
        answer = rest.partition("<!-- #endregion -->")[0]
        assert answer.strip(), f"question {number} has no folded answer"
        links = re.findall(r"\]\(\.\./([\w-]+)/(?:#([\w-]+))?\)", answer)
        assert links, f"question {number}: the answer links to no lesson"
        for lesson, anchor in links:
            assert lesson in ANCHORS and (not anchor or anchor in ANCHORS[lesson]), (
                f"question {number}: {lesson}#{anchor} does not exist")
        prose = re.sub(r"\]\([^)]*\)", "]", answer)  # link targets hold lesson numbers
        number_in = re.compile(r"(?<![\w.-])\d+(?:[.,]\d+)*(?![\w])")  # not SmolLM2, GPT-2
        typed = set(number_in.findall(prose)) - set(number_in.findall(question))
        assert not typed, f"question {number}: the answer types {typed}; compute them"


def test_the_notebook_stylesheet_keeps_only_rules_the_page_can_use():
    from bs4 import BeautifulSoup

    from lessons import prune_notebook_css

    soup = BeautifulSoup(
        "<style>.jupyter-wrapper{--jp-ui-font-size1:13px}.jp-Cell pre,.jp-Widget{margin:0}"
        ".jp-Widget .jp-Slider{width:9px}@media print{.jp-Cell{color:red}.jp-Toolbar{top:0}}"
        "@media screen{.jp-Toolbar{top:1px}}@font-face{font-family:x}body{margin:0}</style>"
        "<style>.md-nav{x:1}</style>"  # not the notebook's stylesheet: left alone
        '<div class="jupyter-wrapper"><div class="jp-Cell"><pre></pre></div></div>',
        "html.parser")
    prune_notebook_css(soup)
    notebook_css, other_css = (style.string for style in soup.find_all("style"))
    assert notebook_css == (".jupyter-wrapper{--jp-ui-font-size1:13px}"
                            ".jp-Cell pre,.jp-Widget{margin:0}"
                            "@media print{.jp-Cell{color:red}}"
                            "@font-face{font-family:x}body{margin:0}")
    assert other_css == ".md-nav{x:1}"


def test_the_reading_load_counts_what_a_reader_meets_unfolded():
    """Prose words (headings included) and non-blank code lines; folded helper code, answers
    and the folded install note are not counted."""
    from lessons import reading_load

    page = ('<div class="jp-Notebook"><h2 id="a">Two words</h2>'
            '<div class="jp-Cell jp-MarkdownCell"><div class="jp-RenderedMarkdown">'
            '<p>three more words</p><details class="fold"><p>not these</p></details></div></div>'
            '<div class="jp-Cell jp-CodeCell"><div class="jp-InputArea"><pre>a = 1\n\nb = 2\n'
            '</pre></div></div>'
            '<div class="jp-Cell jp-CodeCell"><details class="fold"><div class="jp-InputArea">'
            '<pre>folded = 1\n</pre></div></details></div>'
            '<details class="answer"><div class="jp-Cell jp-CodeCell"><div class="jp-InputArea">'
            '<pre>answer = 1\n</pre></div></div></details></div>')
    assert reading_load(page) == (5, 2)


def test_the_reading_time_follows_the_budget_and_links_the_deep_dives():
    """2,000 words and 150 lines of code are 25 minutes; a core lesson lists its deep dives."""
    from lessons import reading_minutes, reading_time_html

    assert reading_minutes(2000, 150) == 25
    assert reading_minutes(2001, 150) == 26  # rounded up
    loads = {"08-inference-with-llms": ("Inference", 1000, 50),
             "08-deep-dive-serving": ("Deep dive: serving", 400, 20),
             "10-attention-mechanism": ("Attention", 200, 0)}
    urls = {stem: f"lessons/{stem}/" for stem in loads}
    core = reading_time_html("08-inference-with-llms", loads, urls)
    assert "about 10 minutes (1,000 words, 50 lines of code)" in core
    assert '<a href="../08-deep-dive-serving/">serving</a> (about 4 minutes)' in core
    assert "Deep dives" not in reading_time_html("10-attention-mechanism", loads, urls)
    assert "Deep dives" not in reading_time_html("08-deep-dive-serving", loads, urls)
    # the offline copy's pages are files: lessons/NN-slug.html
    offline = {stem: f"lessons/{stem}.html" for stem in loads}
    assert ('<a href="08-deep-dive-serving.html">serving</a>'
            in reading_time_html("08-inference-with-llms", loads, offline))


def test_the_install_note_follows_the_box_or_else_the_title():
    from lessons import with_install_note

    boxed = with_install_note("# Title\n\n> **In this lesson**\n>\n> - a point\n\nProse.")
    lines = boxed.split("\n")
    note = next(i for i, line in enumerate(lines) if "Run this lesson yourself" in line)
    assert lines[:5] == ["# Title", "", "> **In this lesson**", ">", "> - a point"]
    assert note == 6 and lines[-1] == "Prose."
    plain = with_install_note("# Title\n\nProse.").split("\n")
    assert plain[0] == "# Title" and "Run this lesson yourself" in plain[2]
    assert plain[-1] == "Prose."


def test_the_page_marks_the_box_and_folds_the_install_note():
    from bs4 import BeautifulSoup

    from lessons import READING_TIME_SLOT, finish_lesson_page

    notebook = {"cells": [{"cell_type": "markdown", "id": "c0", "metadata": {}},
                          {"cell_type": "code", "id": "c1", "metadata": {}}]}
    page = ('<div id="cell-id=c0"><blockquote><p><strong>In this lesson</strong></p></blockquote>'
            '<blockquote><p><strong>Run this lesson yourself:</strong> pip install</p>'
            '</blockquote></div><div id="cell-id=c1"><div class="jp-Cell-inputWrapper">draw()'
            '</div><div class="jp-Cell-outputWrapper"></div></div>')
    soup = BeautifulSoup(finish_lesson_page(page, notebook), "html.parser")
    box = soup.select_one("blockquote.lesson-box")
    assert box is not None and str(box).endswith(READING_TIME_SLOT + "</blockquote>")
    install = soup.select_one("details.fold")
    assert "Run this lesson yourself" in install.get_text()
    assert install.summary.string == "Run this page yourself: what to install"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_includes_what_each_section_needs_before_it(lesson):
    """A section's `# Needs:` sections come earlier in the lesson, so that every cell runs in
    order (a section that starts using require() needs checks.py:require on every page)."""
    seen = []
    for path, section in includes(lesson):
        if not path.startswith("snippets/"):
            continue
        key = f"{path.removeprefix('snippets/')}:{section}"
        missing = [needed for needed in with_needs(key)[:-1] if needed not in seen]
        assert not missing, f"{lesson.name} includes {key} without, before it, {missing}"
        seen.append(key)


def test_the_build_executes_a_lesson_again_only_when_its_source_or_device_changed(
        tmp_path, monkeypatch):
    """on_pre_build runs each new or changed lesson once, keeps the outputs of the others,
    drops the notebooks of lessons no longer selected, and keeps each download output-free."""
    import nbformat

    import lessons as hook

    source, generated = tmp_path / "lessons", tmp_path / "docs"
    source.mkdir()
    for stem in ("01-a", "02-b"):
        (source / f"{stem}.md").write_text(f"# {stem}\n\n```python\nprint('{stem}')\n```\n")
    (generated / "stale.ipynb").parent.mkdir()
    (generated / "stale.ipynb").write_text("{}")
    ran = []

    def execute(lesson):  # stands for a kernel: the notebook with one output per code cell
        ran.append(lesson.stem)
        notebook = nbformat.reads(hook.lesson_notebook(lesson), as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.v4.new_output("stream", text=lesson.stem)]
        return notebook, [0.0]

    monkeypatch.setattr(hook, "LESSONS", source)
    monkeypatch.setattr(hook, "GENERATED", generated)
    monkeypatch.setattr(hook, "execute_lesson", execute)
    monkeypatch.setenv("LLM_COURSE_BUILD_JOBS", "2")
    monkeypatch.setenv("LLM_COURSE_DEVICE", "cpu")
    monkeypatch.delenv("LESSONS", raising=False)

    hook.on_pre_build(None)
    assert sorted(ran) == ["01-a", "02-b"]
    assert sorted(p.name for p in generated.iterdir()) == ["01-a.ipynb", "02-b.ipynb"]
    executed = nbformat.read(generated / "01-a.ipynb", as_version=4)
    assert [cell.outputs[0].text for cell in executed.cells if cell.cell_type == "code"] == ["01-a"]
    download = nbformat.reads(hook.DOWNLOADS["01-a"], as_version=4)
    assert [cell.outputs for cell in download.cells if cell.cell_type == "code"] == [[]]

    ran.clear()
    hook.on_pre_build(None)
    assert ran == []  # nothing changed: nothing runs

    (source / "02-b.md").write_text("# 02-b\n\n```python\nprint('changed')\n```\n")
    hook.on_pre_build(None)
    assert ran == ["02-b"]

    ran.clear()
    monkeypatch.setenv("LLM_COURSE_DEVICE", "cuda")
    hook.on_pre_build(None)
    assert sorted(ran) == ["01-a", "02-b"]  # outputs on another device are other outputs


def test_a_lesson_that_fails_fails_the_build_naming_it(tmp_path, monkeypatch):
    import lessons as hook

    source = tmp_path / "lessons"
    source.mkdir()
    (source / "01-a.md").write_text("# 01-a\n\n```python\nprint(1)\n```\n")

    def execute(lesson):
        raise hook.LessonError(f"{lesson}: cell 3 of 3 raised ZeroDivisionError")

    monkeypatch.setattr(hook, "LESSONS", source)
    monkeypatch.setattr(hook, "GENERATED", tmp_path / "docs")
    monkeypatch.setattr(hook, "execute_lesson", execute)
    monkeypatch.delenv("LESSONS", raising=False)
    with pytest.raises(hook.LessonError, match="01-a.md: cell 3 of 3 raised ZeroDivisionError"):
        hook.on_pre_build(None)
    assert not (tmp_path / "docs" / "01-a.ipynb").exists()
