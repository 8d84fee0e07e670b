"""Lesson 10, attention from scratch."""
