"""Fast autograding: nbgrader's pipeline, each notebook run in a warm, forked, fenced-in process.

- ``submission``: the unit of work, ``grade_submission(job) -> result`` (plain data).
- ``warm``: the process that imports the libraries once and forks per notebook.
- ``child`` and ``shell``: what runs in each fork (sandbox, then the cells).
- ``sandbox``: resource limits, Landlock, seccomp and the unprivileged account.
- ``limits``: the limits, configured in ``jupyter_config.py`` (``c.GradingLimits``).
- ``batch``: ``careerlab autograde``, nbgrader's Autograde with execution swapped.
- ``report`` and ``command``: progress bar, summary, JSON and CSV.
- ``keys``: CareerLab's hidden tests judged here, so answer keys never enter the
  student's process.

docs/grading.md explains it to teachers.

Teacher-server side. May import ``exchange.files`` and ``exchange.student_copy``,
``sanitize``, the kernel side's ``answers`` and task registry (to judge answers in the
grader's own process), and the top-level modules; never a page.
"""
