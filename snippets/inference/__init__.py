"""Lesson 08, inference with LLMs."""
