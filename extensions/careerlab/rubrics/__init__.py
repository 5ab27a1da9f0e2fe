"""Rubrics: the format, the levels a teacher gives, and the comment bank.

Owns the rubric files' format and validation (``format``: plain data, read from
``rubrics/*.yml``; the only part the student's kernel may import, for
self-assessment), the levels given per criterion in the gradebook (``levels``)
and the reusable comments (``comment_bank``), both on the gradebook's database.
May import the top-level modules, ``careerlab.workbook.answers``' file names
and ``careerlab.autograde.gradebook`` (the gradebook's one engine per process);
nothing here imports a page.
"""
