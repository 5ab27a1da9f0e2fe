"""What leaves the school: ``careerlab export``, rubric levels and skill totals as CSV/JSON.

Owns the export (``export``). Teacher side; may import ``rubrics``, the top-level
modules, and the showcase's loader of a submission's tasks with the kernel side's
``progress`` (how many tasks are answered).
"""
