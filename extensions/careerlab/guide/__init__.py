"""Teacher guides: ``careerlab guide PROJECT`` (never released to students).

A guide puts together what a teacher needs to run a project: its facts read from the
workbook's own files at render time (``facts``: title, GRASP, occupations, standards with
their tasks, the answer key from workbook.md and solutions.yml, the exemplar product, the
rubric), so it follows every change to them, and the prose we write per project in
``workbooks/<id>/guide.yml`` (``prose``: objectives, pacing, materials, vocabulary,
misconceptions, scaffolds, English-learner supports, extensions, observation). ``page``
renders both as one HTML page and, with Debian's chromium, a PDF.

May import ``careerlab``, ``course``, ``html``, ``project``, the author's readers of
workbook.md (``author.build``, ``author.workbook_text``, ``author.task_blocks``,
``author.rubric_cells``), the rubric format, the products reader, and ``testing``'s readers
of solutions.yml and of a notebook's solution cells.
"""
