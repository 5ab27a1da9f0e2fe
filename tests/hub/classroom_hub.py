"""The test classroom: a real JupyterHub with real accounts, started once for the hub tests.

``careerlab hub start`` (what `make hub` runs) builds it under ``/srv/careerlab-tests`` as
root: it must be outside /tmp's private folders, since every account walks into it. Its
Python (``venv/``) is kept between runs; accounts, homes and courses are made afresh.
"""

from __future__ import annotations

from pathlib import Path

from careerlab.testing import hub as testing_hub
from careerlab.testing.hub import SHARED_VENV, Hub

from ..conftest import REPO

__all__ = ["Hub", "start_hub"]

ROOT = Path("/srv/careerlab-tests")
COURSE, OTHER_COURSE = "cte-101", "bio-201"
TEACHER, CO_TEACHER = "t.rivera@school.org", "co.okafor"
ANA, BEN, CY = "ana.lee@school.org", "ben", "cy.other"
PROJECT = "coffee-site"
CLASSROOM = {
    "courses": [
        {
            "id": COURSE,
            "title": "Careers and Technology",
            "projects": [PROJECT],
            "teachers": [TEACHER, CO_TEACHER],
            "students": [ANA, BEN],
        },
        {
            "id": OTHER_COURSE,
            "title": "Biology",
            "projects": [PROJECT],
            "teachers": ["t3"],
            "students": [CY],
        },
    ],
    # Names `careerlab hub start` puts in the courses' gradebooks (Cy has none: his row keeps
    # what the gradebook gives it).
    "people": {
        ANA: {"first_name": "Ana", "last_name": "Lee"},
        BEN: {"first_name": "Ben", "last_name": "Cruz"},
        TEACHER: {"first_name": "Teresa", "last_name": "Rivera"},
    },
}


def start_hub(
    root: Path = ROOT,
    classroom: dict = CLASSROOM,
    extra: tuple[str, ...] = (),
    certificate: Path | None = None,
    port: int | None = None,
) -> Hub:
    """A test hub for ``classroom`` under ``root`` (careerlab.testing.hub.start_hub).
    Accounts are machine-wide: two hubs at once need different course ids and people."""
    return testing_hub.start_hub(REPO, root, classroom, extra, certificate, SHARED_VENV, port)
