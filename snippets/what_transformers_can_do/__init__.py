"""Lesson 03, what Transformers can do."""
