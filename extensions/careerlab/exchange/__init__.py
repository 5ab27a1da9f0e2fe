"""Moving work between teacher and students: nbgrader's release, submit and collect.

Owns what a submission may hold (``files``: regular files and folders only, within
nbgrader's size limits, checked without opening anything) and the safe collect
step (``collect``: ``nbgrader collect`` through ``SafeCollect``), the student's copy of
a release without the test cells nbgrader emptied (``student_copy``), the one-machine
Assignment List before anything is released (``listing``), and what a student reads after
Submit on either exchange (``receipt``). Teacher-server side; may import the top-level
modules only, except ``receipt``'s child process, which counts the answered tasks with
``careerlab.showcase.page`` and ``careerlab.workbook.progress``. ``autograde`` imports
``files`` to check a submission again before grading it, and ``student_copy`` to put the
left-out test cells back.

On JupyterHub (docs/deploy.md, "The exchange"): ``archive`` (work as a checked
tar.gz and back), ``service`` (the exchange as a hub service that alone owns the
stored work; ``hub_service`` and ``hub_roles`` for the hub's config) and ``hub``
(nbgrader's exchange plugin classes, talking to that service with the hub token).
"""
