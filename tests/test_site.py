"""Checks of the built site in site/, as a reader gets it (`nox -s docs` builds it first)."""

import functools
import html
import http.server
import json
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
SCREENSHOTS = ROOT / ".cache" / "screenshots"
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
CHROMIUM = os.environ.get("CHROMIUM") or next(
    filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None)
# Debris that must never reach a rendered output.
DEBRIS = re.compile(r"Warning|warnings\.warn|deprecat|it/s\]|%\|", re.IGNORECASE)


@pytest.fixture(scope="module", autouse=True)
def built_site():
    if not (SITE / "index.html").exists():
        pytest.fail("site/ is not built: run `nox -s docs` (mkdocs build --strict first)")


def outputs_of(page: Path) -> list[str]:
    """Text of every cell output on a rendered lesson page."""
    html = page.read_text(encoding="utf-8")
    # each output runs up to the next cell or heading (headings stand beside the cells)
    end = r'(?=<div class="jp-Cell |<h[1-6][ >]|\Z)'
    blocks = re.findall(r'<div class="jp-OutputArea-child.*?' + end, html, re.S)
    return [re.sub(r"<[^>]+>", "", block) for block in blocks]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_page_with_outputs_and_no_debris(lesson):
    page = SITE / "lessons" / lesson.stem / "index.html"
    outputs = outputs_of(page)
    assert outputs, f"{page} shows no outputs"
    for text in outputs:
        assert not DEBRIS.search(text), f"debris in an output of {lesson.stem}: {text[:300]}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_offers_its_self_contained_notebook(lesson):
    page = (SITE / "lessons" / lesson.stem / "index.html").read_text(encoding="utf-8")
    assert f'href="{lesson.stem}.ipynb" download=' in page
    notebook = json.loads((SITE / "lessons" / lesson.stem / f"{lesson.stem}.ipynb").read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(not cell["outputs"] for cell in code)
    assert not any("--8<--" in "".join(cell["source"]) for cell in code)  # includes expanded


def test_pages_load_nothing_from_another_host():
    """script, link, img and iframe tags point into the site; plain <a> links may leave it."""
    pattern = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)="([^"]+)"')
    for page in SITE.rglob("*.html"):
        for url in pattern.findall(page.read_text(encoding="utf-8")):
            assert not urlparse(url).netloc, f"{page.relative_to(SITE)} loads {url}"


def ids_on(page: Path) -> set[str]:
    """Every id an anchor (#...) can point to on a built page."""
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


def broken_links(site: Path) -> list[str]:
    """Links between the pages of the site in `site` that reach no file, or an #anchor that
    is not on its page (lesson pages are rendered by nbconvert, so mkdocs' own checks do not
    see them)."""
    href = re.compile(r'<a\b[^>]*?href="([^"]*)"')
    ids, broken = {}, []
    for page in site.rglob("*.html"):
        for url in href.findall(page.read_text(encoding="utf-8")):
            parsed = urlparse(html.unescape(url))
            if parsed.scheme or url.startswith(("mailto:", "//")):
                continue  # a link that leaves the site
            if not parsed.path:
                target = page  # an anchor on the same page
            else:
                base = site if url.startswith("/") else page.parent  # 404.html: from the root
                target = (base / parsed.path.lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} links to missing {url}")
            elif parsed.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = ids_on(target)
                if parsed.fragment not in ids[target]:
                    broken.append(f"{page.relative_to(site)} links to #{parsed.fragment}, which "
                                  f"is not on {target.relative_to(site)}")
    return broken


def test_every_link_and_anchor_inside_the_site_resolves():
    """Every link between pages reaches a page, and every #anchor an element of that page."""
    assert broken_links(SITE) == []


# The learner's template (docs/contributing.md): every core lesson follows it.
CORE_LESSONS = [p.stem for p in LESSONS if "-deep-dive-" not in p.stem and p.stem != "11-quiz"]
DEEP_DIVES = [p.stem for p in LESSONS if "-deep-dive-" in p.stem]
COURSE = "https://huggingface.co/learn/llm-course/chapter1/"
MAX_WORDS, MAX_CODE_LINES = 2000, 150
# nbconvert's alt text for a figure it knows nothing about
PLACEHOLDER_ALT = "No description has been provided for this image"


def lesson_soup(stem: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((SITE / "lessons" / stem / "index.html").read_text(encoding="utf-8"),
                         "html.parser")


def unfolded(soup, selector: str) -> list:
    return [element for element in soup.select(selector) if element.find_parent("details") is None]


def template_problems(stem: str) -> list[str]:
    """How a core lesson page departs from the learner's template; [] when it follows it."""
    sys.path.insert(0, str(ROOT / "hooks"))
    from lessons import reading_load

    soup = lesson_soup(stem)
    problems = []
    box = soup.select_one("blockquote.lesson-box")
    if box is None:
        return ["no 'In this lesson' box"]
    if box.find_all_previous(class_="jp-CodeCell"):
        problems.append("code before the box")
    if not re.search(r"Reading time:\s*about \d+ minutes", box.get_text(" ")):
        problems.append("no reading time in the box")
    if not any(a.get("href", "").startswith(COURSE) for a in box.find_all("a")):
        problems.append(f"the box links to no course page ({COURSE}N)")
    words, lines = reading_load(str(soup))
    if words > MAX_WORDS:
        problems.append(f"{words} words of prose, over {MAX_WORDS}")
    if lines > MAX_CODE_LINES:
        problems.append(f"{lines} unfolded lines of code, over {MAX_CODE_LINES}")
    raising = [line.strip() for cell in unfolded(soup, ".jp-CodeCell:not(.bad-input)")
               for pre in unfolded(cell, ".jp-InputArea pre")
               for line in pre.get_text().splitlines() if re.match(r"\s*raise\b", line)]
    if raising:
        problems.append(f"argument checks in view: {raising[:3]}")
    solutions = [d for d in soup.select("details.answer")
                 if d.summary and d.summary.get_text().startswith("Solution")]
    checked = [d for d in solutions if any(
        o.get_text().strip().startswith("Right.") for o in d.select(".jp-OutputArea-output"))]
    if len(checked) < 3:
        problems.append(f"{len(checked)} exercises with a folded solution that passes its "
                        "checker, fewer than 3")
    described = [img for img in soup.select(".jp-OutputArea-output img")
                 if img.get("alt", "").strip()
                 and img["alt"] != PLACEHOLDER_ALT]
    if not described:
        problems.append("no figure with alt text")
    return problems


@pytest.mark.parametrize("stem", CORE_LESSONS)
def test_a_core_lesson_follows_the_learners_template(stem):
    """The box (reading time, course page), the budgets (2,000 words, 150 lines of code), no
    argument check in view, 3 exercises whose folded solutions pass their checkers, and a
    described figure."""
    assert template_problems(stem) == []


@pytest.mark.parametrize("stem", DEEP_DIVES)
def test_a_deep_dive_has_its_box_and_is_linked_both_ways(stem):
    soup = lesson_soup(stem)
    box = soup.select_one("blockquote.lesson-box")
    assert box is not None and re.search(r"Reading time:\s*about \d+ minutes", box.get_text(" "))
    core = next(c for c in CORE_LESSONS if c[:2] == stem[:2])
    assert any(a.get("href", "").rstrip("/").endswith(core) for a in box.find_all("a"))
    links = [a.get("href", "") for a in lesson_soup(core).select(".jp-RenderedMarkdown a")]
    assert any(href.rstrip("/").endswith(stem) for href in links), f"{core} never links {stem}"


@pytest.fixture(scope="module")
def local_server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium: apt-get install -y chromium")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run",
        ])
        yield browser
        browser.close()


def nav_pages(nav) -> list[str]:
    """URL paths of every page in mkdocs.yml's nav, in order ("" for the home page)."""
    paths = []
    for item in nav:
        for value in item.values() if isinstance(item, dict) else [item]:
            if isinstance(value, list):
                paths += nav_pages(value)
            else:
                stem = value.rsplit(".", 1)[0]
                paths.append("" if stem == "index" else f"{stem}/")
    return paths


PAGES = nav_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"])


def site_soup(path: str):
    """The built page at URL path `path` ("" for the home page), parsed."""
    from bs4 import BeautifulSoup

    return BeautifulSoup((SITE / path / "index.html").read_text(encoding="utf-8"),
                         "html.parser")


def test_the_home_page_lists_the_core_lessons_in_the_nav_order():
    rows = site_soup("").select(".lesson-path tbody tr")
    core_pages = [path for path in PAGES if path.strip("/").removeprefix("lessons/")
                  in CORE_LESSONS]
    assert len(core_pages) == len(CORE_LESSONS)
    assert [row.a["href"] for row in rows] == core_pages


@pytest.mark.parametrize("stem", CORE_LESSONS)
def test_the_home_page_gives_each_lesson_its_pages_reading_times_and_course_page(stem):
    """The core page's minutes and its deep dives' together, as the lesson's box gives them,
    and the course page that box links to."""
    [row] = [row for row in site_soup("").select(".lesson-path tbody tr")
             if row.a["href"] == f"lessons/{stem}/"]
    box = lesson_soup(stem).select_one("blockquote.lesson-box")
    reading = box.select_one(".reading-time").get_text(" ")
    core = re.search(r"Reading time:\s*(about \d+ minutes)", reading).group(1)
    dives = [int(m) for m in re.findall(r"\(about (\d+) minutes\)", reading)]
    assert len(dives) == len([d for d in DEEP_DIVES if d[:2] == stem[:2]])
    assert row.select_one(".core-time").get_text() == core
    assert row.select_one(".deep-dive-time").get_text() == (
        f"{len(dives)}, about {sum(dives)} minutes")
    [course] = [a["href"] for a in box.find_all("a") if a["href"].startswith(COURSE)]
    assert [a["href"] for a in row.find_all("a")][1:] == [course]


def nav_titles(nav) -> dict[str, str]:
    """The title of every page in mkdocs.yml's nav, by the stem of its file."""
    titles = {}
    for item in nav:
        for title, value in item.items() if isinstance(item, dict) else []:
            titles |= nav_titles(value) if isinstance(value, list) else {
                Path(value).stem: title}
    return titles


def test_the_home_page_shows_the_chapter_map_described_lesson_by_lesson():
    from xml.etree import ElementTree

    images = [img for img in site_soup("").select("article img")
              if img["src"] == "assets/chapter-map.svg"]
    assert len(images) == 1
    svg = ElementTree.parse(SITE / "assets" / "chapter-map.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = nav_titles(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"])
    alt = images[0]["alt"]
    # every lesson's number and title, in order
    places = [alt.find(f"{stem[:2]} {titles[stem]}") for stem in CORE_LESSONS]
    assert -1 not in places and places == sorted(places), alt


def test_every_glossary_term_can_be_linked_to():
    terms = site_soup("glossary/").select("article dt")
    assert len(terms) >= 40
    assert [term.get("id") for term in terms if not term.get("id")] == []
    assert site_soup("glossary/").select_one("dt#top-p-nucleus-sampling") is not None


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_page_offers_to_edit_its_source(lesson):
    """The edit button opens lessons/NN-slug.md in the repository, not the generated
    notebook under docs/."""
    repo = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["repo_url"]
    [edit] = lesson_soup(lesson.stem).select("a.md-content__button[title='Edit this page']")
    assert edit["href"] == f"{repo}/edit/main/lessons/{lesson.name}"


def test_getting_started_shows_the_versions_the_site_was_built_with():
    import platform
    from importlib.metadata import version

    table = next(table for table in site_soup("getting-started").select("table")
                 if table.th.get_text() == "Package")
    rows = [tuple(td.get_text() for td in row.find_all("td"))
            for row in table.select("tbody tr")]
    names = ["torch", "transformers", "tokenizers", "datasets", "accelerate", "mkdocs-material",
             "mkdocs-jupyter"]
    assert rows == [(name, version(name)) for name in names] + [
        ("Python", platform.python_version())]


def wait_for_math(page) -> None:
    """Until MathJax has typeset every formula of the page."""
    # MathJax turns every $...$ of a lesson's prose into a script, then typesets each one;
    # raw TeX left over, or a formula never typeset, means it failed
    page.wait_for_function(
        "window.MathJax && MathJax.isReady && [...document.querySelectorAll("
        "'.jp-RenderedMarkdown')].every(cell => !cell.innerText.includes('$'))"
        " && !document.querySelector('.MathJax_Processing')"
        " && document.querySelectorAll('span.MathJax').length"
        " === document.querySelectorAll('script[type^=\"math/tex\"]').length",
        timeout=90_000,
    )


def open_page(browser, base: str, path: str, **options):
    """The page at `path` under `base` (the local server, or a file:// folder), loaded with
    every request outside `base` blocked; and the list of problems (console errors, uncaught
    exceptions, failed or outside requests) seen while loading and after."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, **options)
    problems = []

    def block_other_hosts(route):
        if route.request.url.startswith(f"{base}/"):
            route.continue_()
        else:
            problems.append(f"asked another host for {route.request.url}")
            route.abort()

    page.route("**/*", block_other_hosts)
    page.on("console", lambda message: problems.append(f"console {message.type}: "
                                                       f"{message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}")
            if not request.url.startswith("data:") else None)
    page.requested = []  # every file the page loaded, for its weight
    page.on("requestfinished", lambda request: page.requested.append(request.url))
    page.goto(f"{base}/{path}", wait_until="networkidle")
    if path.startswith("lessons/") or page.locator("script[src*='mathjax/MathJax.js']").count():
        wait_for_math(page)  # pymdownx.arithmatex marks the math of the other pages
    return page, problems


def test_every_page_of_the_site_is_in_the_nav():
    built = {str(page.parent.relative_to(SITE)) for page in SITE.rglob("index.html")}
    built = {"" if path == "." else f"{path}/" for path in built}
    assert built - {"search/"} == set(PAGES)


# TeX a reader would see as typed: $...$ or a command such as \sqrt in the text on show,
# code and outputs left out (there they are meant literally).
RAW_TEX = r"""() => {
  const walker = document.createTreeWalker(document.querySelector('article'),
                                           NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement;
    if (parent.closest('code, pre, script, style, .jp-OutputArea') || !parent.checkVisibility())
      continue;
    found.push(...(node.textContent.match(/\$[^$\s][^$]*\$|\\[a-zA-Z]+/g) || []));
  }
  return found;
}"""


def page_weight(urls: list[str]) -> int:
    """Bytes of the distinct files a page loaded (figures are inline in a lesson's HTML)."""
    files = set()
    for url in urls:
        if url.startswith("data:"):
            continue
        file = SITE / urlparse(url).path.lstrip("/")
        files.add(file / "index.html" if file.is_dir() else file)
    return sum(file.stat().st_size for file in files)


# WCAG contrast of text against the background it is drawn on, in the page's own colours.
CONTRAST = """selector => [...document.querySelectorAll(selector)].slice(0, 20).map(element => {
  const rgb = color => color.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
      .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let node = element, background = [0, 0, 0, 0];
  while (node && (background.length > 3 && background[3] === 0)) {
    background = rgb(getComputedStyle(node).backgroundColor);
    node = node.parentElement;
  }
  if (!node && background[3] === 0) background = rgb(getComputedStyle(document.body)
      .backgroundColor);
  const [fg, bg] = [luminance(rgb(getComputedStyle(element).color)), luminance(background)];
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
})"""
TEXT = [".jp-RenderedMarkdown p", ".jp-OutputArea-output pre", ".highlight-ipynb pre",
        ".md-nav__link"]


SERIOUS = {"serious", "critical"}  # axe-core's two highest impacts


def switch_scheme(page) -> None:
    """Click the palette toggle, as a reader does, and wait until the other scheme is drawn."""
    scheme = page.locator("body").get_attribute("data-md-color-scheme")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function("scheme => document.body.dataset.mdColorScheme !== scheme"
                           " && document.getAnimations().every(a => a.playState !== 'running')",
                           arg=scheme)


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_and_reads_in_both_schemes(browser, local_server, path):
    """With every other host unreachable, the page loads with no console error and no
    failed request, typesets its math (no TeX is left as typed), and a lesson shows its
    figures. Then, in the light and the dark scheme (switched as a reader does), axe-core
    finds no violation of impact serious or critical, and a lesson's prose, code, outputs
    and navigation keep a contrast of at least 4.5:1 (WCAG AA); a screenshot of each lesson
    in each scheme is kept for a person to look at."""
    from axe_playwright_python.sync_playwright import Axe

    page, problems = open_page(browser, local_server, path)
    typed_tex = page.evaluate(RAW_TEX)
    is_lesson = path.startswith("lessons/")
    if is_lesson:
        # every figure loaded and has a size
        assert page.evaluate("[...document.querySelectorAll('.jp-OutputArea-output img')]"
                             ".every(img => img.complete && img.naturalWidth > 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "index"
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    weight = page_weight(page.requested)
    violations, low_contrast = [], []
    for scheme in ["default", "slate"]:
        assert page.locator("body").get_attribute("data-md-color-scheme") == scheme
        for rule in Axe().run(page).response["violations"]:
            if rule["impact"] in SERIOUS:
                targets = [" ".join(node["target"]) for node in rule["nodes"]]
                violations.append(f"{scheme}: {rule['id']} on {len(targets)} elements, "
                                  f"such as {targets[:3]}")
        if is_lesson:
            for selector in TEXT:
                ratios = page.evaluate(CONTRAST, selector)
                if not ratios or min(ratios) < 4.5:
                    low_contrast.append(f"{scheme}: {selector} contrast {ratios}")
            page.screenshot(path=str(SCREENSHOTS / f"{name.removeprefix('lessons-')}-{scheme}.png"))
        if scheme == "default":
            switch_scheme(page)
    page.close()
    assert problems == [], f"{path}: {problems}"
    assert typed_tex == [], f"{path} shows TeX as typed: {typed_tex}"
    # HTML with its inline figures, CSS, scripts, MathJax and its fonts: under 3 MB
    assert weight < 3_000_000, f"{path} weighs {weight:,} bytes"
    with (SCREENSHOTS / "weights.txt").open("a") as report:
        report.write(f"{weight} {path}\n")
    assert not violations, f"{path or 'home'}:\n" + "\n".join(violations)
    assert not low_contrast, f"{path}:\n" + "\n".join(low_contrast)


def test_every_image_says_what_it_shows():
    """Every <img> of the site has an alt text of at least three words that is not nbconvert's
    placeholder (a figure's is written by the build from its titles, axes and labels)."""
    from bs4 import BeautifulSoup

    for page in sorted(SITE.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for number, image in enumerate(soup.find_all("img"), start=1):
            alt = image.get("alt", "").strip()
            assert len(alt.split()) >= 3 and alt != PLACEHOLDER_ALT, (
                f"{page.relative_to(SITE)}: image {number} has alt {alt!r}")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_helper_cells_are_folded_and_their_outputs_shown(lesson):
    """Every cell marked fold="..." has its code inside <details>, under that summary."""
    notebook = json.loads((SITE / "lessons" / lesson.stem / f"{lesson.stem}.ipynb").read_text())
    summaries = [cell["metadata"]["fold"] for cell in notebook["cells"]
                 if "fold" in cell["metadata"]]
    page = (SITE / "lessons" / lesson.stem / "index.html").read_text(encoding="utf-8")
    # a summary holds no tag: the install note's fold (a blockquote) is not a code cell's
    folded = re.findall(r'<details class="fold"><summary>([^<]*)</summary>\s*'
                        r'<div class="jp-Cell-inputWrapper"', page)
    assert summaries, f"{lesson.stem} folds no helper cell"  # every lesson has helpers to fold
    assert [html.unescape(s) for s in folded] == summaries


def test_the_contributing_page_shows_its_include_examples_as_written():
    """Its examples escape their include lines (`;--8<--`): a reader sees the line to write,
    not the code it would pull in."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup((SITE / "contributing" / "index.html").read_text(encoding="utf-8"),
                         "html.parser").get_text()
    assert '--8<-- "snippets/models.py:smollm2"' in page
    assert '--8<-- "snippets/inference/exercises.py:top_k_exercise"' in page
    assert "def load_smollm2" not in page


# A path of the machine that built the site, e.g. /root/.cache/... or /home/me/project.
MACHINE_PATH = re.compile(r"(?<![\w./-])/(?:work|root|tmp|home/[\w.-]+|Users/[\w.-]+)/[\w.-]+")


def test_no_path_of_the_building_machine_in_the_site():
    for page in [*SITE.rglob("*.html"), *SITE.rglob("*.ipynb"), *SITE.rglob("*.json")]:
        found = MACHINE_PATH.findall(page.read_text(encoding="utf-8", errors="replace"))
        assert not found, f"{page.relative_to(SITE)} shows {sorted(set(found))[:5]}"


def test_a_downloaded_notebook_runs_in_a_fresh_environment(tmp_path):
    """The attention lesson's download, in a new virtual environment holding only what its
    first cell says to install, runs top to bottom."""
    import subprocess
    import sys

    stem = "10-attention-mechanism"
    notebook = SITE / "lessons" / stem / f"{stem}.ipynb"
    first_cell = "".join(json.loads(notebook.read_text())["cells"][0]["source"])
    commands = re.findall(r"`(pip install [^`]+)`", first_cell)
    assert len(commands) == 2, first_cell
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The reader's torch may be any release the line allows; here, the CPU build on disk.
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch==2.13.0\n")
    for command in commands:
        subprocess.run([str(venv / "bin" / "python"), "-m", *command.split()[:2],
                        "--quiet", "--constraint", str(constraints),
                        *[word.strip('"') for word in command.split()[2:]]], check=True)
    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    run = subprocess.run([str(venv / "bin" / "jupyter"), "execute", "--inplace", str(copy)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=900,
                         env={k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"})
    assert run.returncode == 0, run.stderr[-3000:]
    executed = json.loads(copy.read_text())
    code = [cell for cell in executed["cells"] if cell["cell_type"] == "code"]
    assert all(cell["execution_count"] for cell in code)  # every cell ran, in order
    assert any("image/png" in output.get("data", {}) for cell in code
               for output in cell["outputs"])  # and drew its figures


# What a reader types into the search box, and the lesson that explains it.
SEARCHES = {  # what a reader types: the lesson that explains it
    "arrow": "01-introduction",
    "offsets": "01-introduction",
    "memory-mapped": "01-introduction",
    "zero-shot": "02-nlp-and-llms",
    "few-shot": "02-nlp-and-llms",
    "in-context learning": "02-nlp-and-llms",
    "pipeline": "03-what-transformers-can-do",
    "aggregation_strategy": "03-what-transformers-can-do",
    "distilbert": "04-how-transformers-work",
    "carbon": "04-how-transformers-work",
    "fine-tuning": "05-transfer-learning",
    "accelerate launch": "05-deep-dive-multi-gpu",  # the deep dive runs it; the lesson names it
    "ctc": "06-solving-tasks",
    "byte pair": "06-solving-tasks",
    "wordpiece": "06-solving-tasks",
    "lsh": "07-deep-dive-efficient-attention",
    "axial": "07-deep-dive-efficient-attention",
    "nucleus": "08-inference-with-llms",
    "temperature": "08-inference-with-llms",
    "kv cache": "08-inference-with-llms",
    "KV-caching": "08-inference-with-llms",
    "beam search": "08-inference-with-llms",
    "prefill": "08-inference-with-llms",
    "top-k": "08-inference-with-llms",
    "top-p": "08-inference-with-llms",
    "static cache": "08-deep-dive-roofline",
    "roofline": "08-deep-dive-roofline",
    "weat": "09-bias-and-limitations",
    "association test": "09-deep-dive-association-test",
    "hallucination": "09-bias-and-limitations",
    "garbage in garbage out": "09-bias-and-limitations",
    "softmax": "10-attention-mechanism",
    "vanishing": "10-deep-dive-rnns",
    "lstm": "10-deep-dive-rnns",
    "multi-head attention": "10-attention-mechanism",
    "multi-headed attention": "10-attention-mechanism",
}


def first_search_result(page, query: str):
    """The first result of the search box for `query`, typed into it as a reader types."""
    search_box = page.locator("input.md-search__input")
    search_box.click()
    search_box.fill("")
    search_box.press_sequentially(query, delay=20)  # key by key, as a reader types
    # results are updated at every key: wait for those of the whole query
    page.wait_for_function("query => document.querySelector('.md-search-result__meta')"
                           " && document.querySelector('input.md-search__input').value === query"
                           " && !document.querySelector('.md-search-result__meta').innerText"
                           ".includes('Type to start')", arg=query, timeout=10_000)
    page.wait_for_timeout(500)
    first = page.locator(".md-search-result__item a").first
    first.wait_for(timeout=10_000)
    return first


@pytest.mark.parametrize("query", SEARCHES)
def test_search_ranks_the_lesson_that_explains_a_term_first(browser, local_server, query):
    page, _ = open_page(browser, local_server, "")
    href = first_search_result(page, query).get_attribute("href")
    page.close()
    assert f"lessons/{SEARCHES[query]}/" in href, f"{query!r}: first result {href}"


# The two downloads that Getting started offers (hooks/downloads.py).
DOWNLOADS = SITE / "downloads"


def test_the_notebooks_zip_holds_every_lesson_download_and_how_to_install_them():
    """Every lesson's notebook, byte for byte the one its page offers (no outputs), and a
    README with the install lines that the notebooks' first cells give."""
    import zipfile

    with zipfile.ZipFile(DOWNLOADS / "llm-course-ch1-notebooks.zip") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert sorted(files) == sorted(["llm-course-ch1/README.md",
                                    *(f"llm-course-ch1/{p.stem}.ipynb" for p in LESSONS)])
    readme = files["llm-course-ch1/README.md"].decode()
    readme_commands = re.findall(r"^ *(pip install .+)$", readme, re.M)
    assert len(readme_commands) == 2, readme
    for lesson in LESSONS:
        offered = SITE / "lessons" / lesson.stem / f"{lesson.stem}.ipynb"
        assert files[f"llm-course-ch1/{lesson.stem}.ipynb"] == offered.read_bytes()
        cells = json.loads(offered.read_text())["cells"]
        assert all(not cell["outputs"] for cell in cells if cell["cell_type"] == "code")
        first_cell = "".join(cells[0]["source"])
        assert re.findall(r"`(pip install [^`]+)`", first_cell) == readme_commands


@pytest.fixture(scope="module")
def offline_copy(tmp_path_factory) -> Path:
    """The offline copy, unzipped as a reader would: the folder that holds its index.html."""
    import zipfile

    folder = tmp_path_factory.mktemp("offline")
    with zipfile.ZipFile(DOWNLOADS / "llm-course-ch1-site.zip") as archive:
        archive.extractall(folder)
    return folder / "llm-course-ch1"


def test_the_offline_copy_holds_every_page_and_its_links_resolve(offline_copy):
    """Every page of the nav as a file (lessons/NN-slug.html for lessons/NN-slug/), every
    link between them reaching its page and #anchor (the lessons' own links are written for
    the served site), and no zip of the copy inside it."""
    files = [f"{path.rstrip('/')}.html" if path else "index.html" for path in PAGES]
    assert [file for file in files if not (offline_copy / file).is_file()] == []
    assert broken_links(offline_copy) == []
    zips = [file.relative_to(offline_copy).as_posix() for file in offline_copy.rglob("*.zip")]
    assert zips == ["downloads/llm-course-ch1-notebooks.zip"]


def test_the_offline_copy_shows_the_measurements_of_the_site(offline_copy):
    """The cells that measure (timings, peaks of memory) show the same numbers in the offline
    copy as on the site: the lessons ran once for both builds."""
    from bs4 import BeautifulSoup

    def measured(page: Path, cells: list[str]) -> list[str]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        return [soup.find(id=f"cell-id={cell}").find(class_="jp-Cell-outputWrapper").get_text()
                for cell in cells]

    compared = 0
    for lesson in LESSONS:
        notebook = json.loads((SITE / "lessons" / lesson.stem / f"{lesson.stem}.ipynb").read_text())
        cells = [cell["id"] for cell in notebook["cells"] if "measures" in cell["metadata"]]
        if cells:
            site = measured(SITE / "lessons" / lesson.stem / "index.html", cells)
            assert measured(offline_copy / "lessons" / f"{lesson.stem}.html", cells) == site, (
                lesson.stem)
            compared += len(cells)
    assert compared >= 3, f"only {compared} cells that measure"


# What a reader of the offline copy searches for: the first result of the last three
# depends on hooks/search_query.js, put into the search worker of the copy too.
OFFLINE_SEARCHES = ["memory-mapped", "top-p", "garbage in garbage out", "multi-head attention"]


def test_the_offline_copy_searches_and_links_its_lessons_from_file(browser, offline_copy):
    """Opened from file:// with every other request refused: search finds the lessons the
    served site finds, and a reader goes from a result to its lesson, its formulas typeset,
    then to a deep dive and back."""
    base = offline_copy.as_uri()
    page, problems = open_page(browser, base, "index.html")
    for query in OFFLINE_SEARCHES:
        href = first_search_result(page, query).get_attribute("href")
        assert urlparse(href).path.endswith(f"/lessons/{SEARCHES[query]}.html"), (
            f"{query!r}: first result {href}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    result = first_search_result(page, "softmax")
    page.screenshot(path=str(SCREENSHOTS / "offline-search.png"))
    result.click()
    lesson, deep_dive = "10-attention-mechanism", "10-deep-dive-attention-details"
    page.wait_for_url(f"{base}/lessons/{lesson}.html*")
    wait_for_math(page)
    assert page.locator("span.MathJax").count() > 0  # formulas, typeset from the copy
    page.screenshot(path=str(SCREENSHOTS / "offline-lesson.png"))
    page.locator(f"blockquote.lesson-box a[href='{deep_dive}.html']").click()
    page.wait_for_url(f"{base}/lessons/{deep_dive}.html")
    wait_for_math(page)
    page.locator(f"blockquote.lesson-box a[href^='{lesson}.html']").first.click()
    page.wait_for_url(f"{base}/lessons/{lesson}.html*")
    page.close()
    assert problems == []


def test_the_search_index_holds_the_lessons_words_and_no_notebook_debris():
    index = json.loads((SITE / "search" / "search_index.json").read_text())
    lessons = [doc for doc in index["docs"] if doc["location"].startswith("lessons/")]
    text = " ".join(doc["title"] + " " + doc["text"] for doc in lessons)
    # nor folded helper code: the data set a lesson writes, a loader
    for debris in ["Copied!", "¶", "In [", "Run this lesson yourself", "clipboard",
                   "Best pizza crust", "def package_dir("]:
        assert debris not in text, debris
    # lessons rank above their deep dives, both above pages that only name a term; the quiz
    # names them all, unboosted
    def boost(location: str):
        return None if "-quiz/" in location else 1.25 if "-deep-dive-" in location else 2

    assert all(doc.get("boost") == boost(doc["location"]) for doc in lessons)
    # each line of code once (the copy button keeps a second, hidden copy of every cell)
    assert text.count("def softmax_naive(") == 1


# The determinism gate re-runs lessons the way the build runs them. All of them take as long
# as the build itself, so CI re-runs the quickest (about a minute together, quiet);
# DETERMINISM=all re-runs every lesson (`nox -s docs -- -k second_build` with it set).
QUICK_LESSONS = ["01-introduction", "03-what-transformers-can-do", "04-how-transformers-work",
                 "11-quiz"]
RERUN = ([p.stem for p in LESSONS] if os.environ.get("DETERMINISM") == "all"
         else QUICK_LESSONS)


def cell_outputs(page: str, notebook: dict) -> dict[str, str]:
    """What every code cell shows, by cell id, but those marked measures=: its text, with
    runs of white space as one (a print can arrive in one stream chunk or two), and the
    bytes of its figures."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    outputs = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "measures" not in cell["metadata"]:
            wrapper = soup.find(id=f"cell-id={cell['id']}").find(class_="jp-Cell-outputWrapper")
            if wrapper is None:
                outputs[cell["id"]] = ""
                continue
            figures = [image.get("src", "") for image in wrapper.find_all("img")]
            outputs[cell["id"]] = " ".join([*wrapper.get_text().split(), *figures])
    return outputs


@pytest.mark.parametrize("lesson", RERUN)
def test_a_second_build_gives_the_same_outputs_but_where_a_cell_measures(lesson, tmp_path):
    """Run the lesson again as the build does (hooks/lessons.py executes it, mkdocs-jupyter
    renders it): every output equals the built page's, apart from cells marked
    measures="time" or "memory" (timings, peak memory)."""
    import nbformat
    from mkdocs_jupyter.convert import nb2html

    sys.path.insert(0, str(ROOT / "hooks"))
    from lessons import execute_lesson, finish_lesson_page

    plugin = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["plugins"]["mkdocs-jupyter"]
    notebook = json.loads((ROOT / "docs" / "lessons" / f"{lesson}.ipynb").read_text())
    executed, _ = execute_lesson(ROOT / "lessons" / f"{lesson}.md")
    source = tmp_path / f"{lesson}.ipynb"
    source.write_text(nbformat.writes(executed), encoding="utf-8")
    again = nb2html(str(source), execute=False, kernel_name=plugin["kernel_name"],
                    no_prompt=plugin["no_prompt"],
                    custom_mathjax_url=plugin["custom_mathjax_url"])
    built = (SITE / "lessons" / lesson / "index.html").read_text(encoding="utf-8")
    first, second = cell_outputs(built, notebook), cell_outputs(finish_lesson_page(again, notebook),
                                                                notebook)
    compared = [cell for cell in first if first[cell]]
    assert len(compared) >= 3, f"{lesson}: only {len(compared)} outputs to compare"
    differ = [cell for cell in first if first[cell] != second[cell]]
    assert not differ, f"{lesson}: outputs of {differ} differ between two builds"
