"""Lesson 06, solving tasks with Transformers."""
