"""Lesson 09, bias and limitations."""
