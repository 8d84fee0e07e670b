"""Lesson 05, transfer learning."""
