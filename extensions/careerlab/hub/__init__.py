"""The classroom on JupyterHub: one server per student, several courses, a safe exchange.

Owns what `make hub` starts and what a district's IT person runs: the classroom file
(``classroom``: courses, teachers, students, read and checked), the map from hub names to
Unix accounts and the accounts themselves (``accounts``), the folders a hub keeps and the
Python environment every account can read (``layout``), each course's nbgrader directory made
from the repository (``courses``), JupyterHub's configuration (``config``, read by the
repository's ``jupyterhub_config.py``), the spawner that runs a student's server as their own
account (``spawner``), and ``careerlab hub`` (``command``: start, backup, restore, retire).
Hub side, run as root: it may import the top-level modules and ``careerlab.exchange``
(the exchange service it starts); nothing in the student's kernel imports it.
docs/deploy.md says how a school runs it.
"""
