"""Fixtures shared by the hostile tests' modules (session-scoped: built once per run)."""

from .hostile_class import hostile_class  # noqa: F401 -- test_values and test_student_ids
