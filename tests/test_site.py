"""Checks of the built site in site/, as a reader gets it (`nox -s docs` builds it first)."""

import functools
import html
import http.server
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
SCREENSHOTS = ROOT / ".cache" / "screenshots"
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Debris that must never reach a rendered output.
DEBRIS = re.compile(r"Warning|warnings\.warn|deprecat|it/s\]|%\|", re.IGNORECASE)


@pytest.fixture(scope="module", autouse=True)
def built_site():
    if not (SITE / "index.html").exists():
        pytest.fail("site/ is not built: run `nox -s docs` (mkdocs build --strict first)")


def outputs_of(page: Path) -> list[str]:
    """Text of every cell output on a rendered lesson page."""
    html = page.read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="jp-OutputArea-child.*?(?=<div class="jp-Cell |\Z)', html,
                        re.S)
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


def test_every_link_inside_the_site_resolves():
    """Lesson pages are rendered by nbconvert, so mkdocs' own link check does not see them."""
    href = re.compile(r'<a\b[^>]*?href="([^"#]+)(?:#[^"]*)?"')
    for page in SITE.rglob("*.html"):
        for url in href.findall(page.read_text(encoding="utf-8")):
            if urlparse(url).scheme or url.startswith(("mailto:", "//")):
                continue  # a link that leaves the site
            base = SITE if url.startswith("/") else page.parent  # 404.html links from the root
            target = (base / url.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{page.relative_to(SITE)} links to missing {url}"


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


PAGES = ["", "getting-started/", "contributing/", "benchmarks/"]
PAGES += [f"lessons/{p.stem}/" for p in LESSONS]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_in_chromium(browser, local_server, path):
    """With every other host unreachable, the page loads, requests nothing outside, and
    typesets its math."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside = []

    def block_other_hosts(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", block_other_hosts)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url)
            if request.url.startswith("http") else None)
    page.goto(f"{local_server}/{path}", wait_until="networkidle")
    if path.startswith("lessons/"):
        # MathJax replaces every $...$ of the prose; raw TeX left over means it failed
        page.wait_for_function(
            "window.MathJax && MathJax.isReady && [...document.querySelectorAll("
            "'.jp-RenderedMarkdown')].every(cell => !cell.innerText.includes('$'))",
            timeout=30_000,
        )
        assert page.locator(".MathJax_Display").count() > 0
        assert page.locator(".jp-OutputArea-output img").count() >= 1  # the figures
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "index"
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.close()
    assert outside == [], f"{path} asked other hosts for {outside}"
    assert failed == [], f"{path}: requests failed: {failed}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_helper_cells_are_folded_and_their_outputs_shown(lesson):
    """Every cell marked fold="..." has its code inside <details>, under that summary."""
    notebook = json.loads((SITE / "lessons" / lesson.stem / f"{lesson.stem}.ipynb").read_text())
    summaries = [cell["metadata"]["fold"] for cell in notebook["cells"]
                 if "fold" in cell["metadata"]]
    page = (SITE / "lessons" / lesson.stem / "index.html").read_text(encoding="utf-8")
    folded = re.findall(r'<details class="fold"><summary>(.*?)</summary>\s*'
                        r'<div class="jp-Cell-inputWrapper"', page, re.S)
    assert [html.unescape(s) for s in folded] == summaries
