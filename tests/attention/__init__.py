"""Lesson 10 tests. A package, so that test_exercises.py here and tests/test_exercises.py differ."""
