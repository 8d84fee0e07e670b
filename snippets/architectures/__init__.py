"""Lesson 07, Transformer architectures."""
