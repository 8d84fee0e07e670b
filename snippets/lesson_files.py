"""Where a lesson writes its files: an empty folder of its own, the same in every run."""

# --8<-- [start:work_dir]
import os
import shutil
import tempfile
from pathlib import Path


def work_in_lesson_dir(lesson: str) -> Path:
    """Work in an empty folder for `lesson` under the system's temporary one: the files the
    lesson writes (data, a script, a saved model) go there, and a rerun starts afresh."""
    if not lesson or Path(lesson).name != lesson or lesson in (".", ".."):
        raise ValueError(f"lesson must be a plain folder name, got {lesson!r}")
    folder = Path(tempfile.gettempdir()) / "llm-course-ch1" / lesson
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.chdir(folder)
    return folder
# --8<-- [end:work_dir]
