import os
from pathlib import Path

import pytest

from snippets.lesson_files import work_in_lesson_dir


def test_each_lesson_works_in_an_empty_folder_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    first = work_in_lesson_dir("05-transfer-learning")
    assert Path.cwd() == first == tmp_path / "llm-course-ch1" / "05-transfer-learning"
    Path("sentiment.csv").write_text("text,label\n")
    other = work_in_lesson_dir("09-bias-and-limitations")
    assert other != first and (first / "sentiment.csv").exists()  # another lesson's files stay
    assert work_in_lesson_dir("05-transfer-learning") == first
    assert os.listdir(first) == []  # a rerun starts from an empty folder


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "/tmp"])
def test_a_lesson_name_that_is_not_a_folder_name_is_refused(name):
    with pytest.raises(ValueError, match="plain folder name"):
        work_in_lesson_dir(name)
