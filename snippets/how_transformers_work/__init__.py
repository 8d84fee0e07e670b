"""Lesson 04, how Transformers work."""
