"""What leaves the school: ``careerlab export``, rubric levels and skill totals as CSV/JSON.

Owns the export (``export``). Teacher side; may import ``rubrics`` and the
top-level modules.
"""
