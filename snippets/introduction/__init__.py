"""Lesson 01, introduction: the Hugging Face ecosystem."""
