"""Who may sign in with the try-out sign-in: the people the classroom file lists now.

JupyterHub reads ``allowed_users`` once, at start, and from then on also lets in everyone
in its database (``allow_existing_users``). A roster import changes the classroom file while
the hub runs: a new student must get in at once, and a person the roster took out of every
course must not get in again, even after a restart. So the check reads the file itself,
again whenever it changes; if the file cannot be read, the last good list stands.
"""

from __future__ import annotations

from pathlib import Path

from jupyterhub.auth import Authenticator, DummyAuthenticator
from traitlets import Unicode

from careerlab.hub.classroom import ClassroomError, load


class ClassroomPeople(Authenticator):
    """An authenticator mix-in: who may sign in is the classroom file's people, read again
    whenever the file changes (the try-out and the OAuth sign-in share it)."""

    classroom_file = Unicode(help="The classroom file: its people may sign in.").tag(config=True)
    _seen: tuple[float, frozenset[str]] = (-1.0, frozenset())

    def people(self) -> frozenset[str]:
        path = Path(self.classroom_file)
        try:
            changed = path.stat().st_mtime_ns
            if changed != self._seen[0]:
                self._seen = (changed, frozenset(load(path).people()))
        except (OSError, ClassroomError) as error:
            self.log.error("classroom file %s unreadable, keeping its last people: %s", path, error)
        return self._seen[1]


class ClassroomDummyAuthenticator(ClassroomPeople, DummyAuthenticator):
    """JupyterHub's DummyAuthenticator (one shared password), allowing the file's people."""

    def check_allowed(self, username: str, authentication=None) -> bool:
        return username in self.people()
