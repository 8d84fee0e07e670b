"""Lesson 02, NLP and large language models."""
