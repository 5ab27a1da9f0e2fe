"""Signing in from the school's LMS with LTI 1.3 (jupyterhub-ltiauthenticator, plus CareerLab).

The LMS (the LTI "platform") launches the hub: it calls ``/hub/lti13/oauth_login``, the hub
sends the browser to the platform's authorize URL with a state and a nonce, and the platform
posts back a signed ``id_token`` to ``/hub/lti13/oauth_callback``. ltiauthenticator checks
the signature against the platform's JWKS, the issuer, the audience (client id), expiry and
that the nonce matches the browser's cookie. What this module adds:

- **Each launch once.** Upstream keeps no record of nonces it has seen, so the same
  ``id_token`` posted again with the same cookies signs someone in again (a replay). Here a
  nonce is accepted once: it is kept, with the token's expiry, in a small SQLite table in
  the hub's state folder (so a restart does not forget it) until the token could no longer
  be accepted anyway.
- **The LMS course and role decide the CareerLab course and groups.** The context claim's
  ``id`` must be one of a course's ``lti_context_ids`` in the classroom file; the roles claim
  must hold a teacher role (Instructor or one of its sub-roles, such as TeachingAssistant)
  or ``Learner``. Teachers join ``formgrade-<course>``, students ``nbgrader-<course>``
  (nbgrader's groups), through JupyterHub's ``Authenticator.manage_groups``; groups of the
  person's other courses are kept. Anything else is refused with 403, never signed in.
- **The hub name** is the ``email`` claim if the LMS sends one, else ``sub`` scoped by the
  issuer's host (``<sub>@<issuer host>``), lower-cased and checked with CareerLab's one
  student-id rule (``careerlab.course.check_student_id``).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from ltiauthenticator.lti13.auth import LTI13Authenticator
from ltiauthenticator.lti13.handlers import LTI13CallbackHandler, LTI13LoginInitHandler
from tornado.web import HTTPError
from traitlets import Unicode

from careerlab import ProblemsError
from careerlab.course import StudentIdError, check_student_id
from careerlab.hub.classroom import Classroom, Course, load

CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
NONCE_FILE = "lti13-nonces.sqlite"
SETTINGS = ("issuer", "client_id", "authorize_url", "jwks_endpoint")


class LtiSettingsError(ProblemsError):
    """The LTI settings file is wrong; ``problems`` lists each problem."""


@dataclass(frozen=True)
class LtiSettings:
    """What the LMS gives when the hub is registered with it as an LTI 1.3 tool."""

    issuer: str
    client_ids: tuple[str, ...]
    authorize_url: str
    jwks_endpoint: str


def load_settings(path: Path) -> LtiSettings:
    """The platform's settings from ``path`` (YAML); every problem is reported at once."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LtiSettingsError([f"{path}: cannot read the LTI settings: {error}"]) from error
    if not isinstance(document, dict):
        raise LtiSettingsError([f"{path}: expected a mapping with {', '.join(SETTINGS)}"])
    problems = []
    for key in ("issuer", "authorize_url", "jwks_endpoint"):
        value = document.get(key)
        if not isinstance(value, str) or urlparse(value).scheme not in ("https", "http"):
            problems.append(f"{path}: {key} must be the LMS's URL (https://...)")
    client_ids = document.get("client_id")
    client_ids = [client_ids] if isinstance(client_ids, str) else client_ids
    if not client_ids or not all(isinstance(c, str) and c for c in client_ids):
        problems.append(f"{path}: client_id must be the id the LMS gave the tool (or a list)")
    if problems:
        raise LtiSettingsError(problems)
    return LtiSettings(
        document["issuer"],
        tuple(client_ids),
        document["authorize_url"],
        document["jwks_endpoint"],
    )


class NonceStore:
    """Nonces already used, each until its token expires, in SQLite (it outlives a restart)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def use(self, nonce: str, expires: float) -> bool:
        """True the first time ``nonce`` is seen; False if it was used already (a replay)."""
        with sqlite3.connect(self.path, timeout=10) as db:
            db.execute("CREATE TABLE IF NOT EXISTS used (nonce TEXT PRIMARY KEY, expires REAL)")
            db.execute("DELETE FROM used WHERE expires < ?", (time.time(),))
            try:
                db.execute("INSERT INTO used VALUES (?, ?)", (nonce, expires))
            except sqlite3.IntegrityError:
                return False
        self.path.chmod(0o600)
        return True


def course_role(roles: object) -> str | None:
    """``teacher``, ``student`` or None from an LTI roles claim (a teacher role wins)."""
    roles = [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []

    def held(role: str) -> bool:
        # The role itself or a sub-role: LTI 1.3 writes them membership/Instructor#X;
        # some platforms (and ltiauthenticator's constants) write membership#Instructor#X.
        return any(
            r == f"{MEMBERSHIP}#{role}"
            or r.startswith((f"{MEMBERSHIP}/{role}#", f"{MEMBERSHIP}#{role}#"))
            for r in roles
        )

    if held("Instructor"):
        return "teacher"
    if held("Learner"):
        return "student"
    return None


class LoginHandler(LTI13LoginInitHandler):
    def _set_oauth_cookie(self, key: str, value: str) -> None:
        # The platform posts the launch back cross-site: a browser sends the state and
        # nonce cookies with that POST only if they are SameSite=None, which needs Secure.
        self._set_cookie(
            key,
            value,
            expires_days=1,
            httponly=True,
            encrypted=True,
            secure=True,
            samesite="None",
        )


class CallbackHandler(LTI13CallbackHandler):
    def check_nonce(self, id_token: dict[str, Any]) -> None:
        super().check_nonce(id_token)  # the nonce is the one this browser was given
        # ... and it was never used before (the token's signature and expiry are checked).
        # Kept a day past the token's expiry: longer than any clock leeway a hub would allow.
        expires = float(id_token["exp"]) + 86400
        if not self.authenticator.nonces.use(str(id_token["nonce"]), expires):
            self.log.warning("LTI 1.3 launch refused: nonce already used (a replay)")
            raise HTTPError(400, "This launch was already used. Start it again from the LMS.")


class CareerLabLTI13Authenticator(LTI13Authenticator):
    """LTI 1.3 launches, once each, into the CareerLab course and group they belong to."""

    login_handler = LoginHandler
    callback_handler = CallbackHandler

    classroom_file = Unicode(help="The classroom file linking LMS courses to courses.").tag(
        config=True
    )
    nonce_file = Unicode(help="The SQLite file of used nonces (the hub's state folder).").tag(
        config=True
    )

    @cached_property
    def classroom(self) -> Classroom:
        return load(Path(self.classroom_file))

    @cached_property
    def nonces(self) -> NonceStore:
        return NonceStore(Path(self.nonce_file))

    def hub_name(self, claims: dict[str, Any]) -> str:
        email = claims.get("email")
        name = email if email else f"{claims.get('sub')}@{urlparse(self.issuer).hostname}"
        try:
            return check_student_id(name).lower()
        except StudentIdError as error:
            raise HTTPError(403, f"The LMS's user id cannot be a CareerLab name: {error}") from None

    def place(self, claims: dict[str, Any]) -> tuple[Course, str]:
        """The course and role (teacher or student) of a launch, or 403 saying why not."""
        context = claims.get(CONTEXT_CLAIM)
        context = context if isinstance(context, dict) else {}
        course = self.classroom.course_for_context(str(context.get("id", "")))
        if course is None:
            raise HTTPError(
                403,
                f"This LMS course ({context.get('title') or 'no title'}, id "
                f"{context.get('id')!r}) is not linked to a CareerLab course: ask IT to add "
                "its id to lti_context_ids in the classroom file.",
            )
        role = course_role(claims.get(ROLES_CLAIM))
        if role is None:
            raise HTTPError(
                403,
                f"Your role in the LMS course is neither teacher nor student of {course.id}.",
            )
        return course, role

    async def authenticate(self, handler, data: dict[str, Any] | None = None) -> dict:
        claims = data or {}
        course, role = self.place(claims)
        name = self.hub_name(claims)
        group = course.teachers_group if role == "teacher" else course.students_group
        # manage_groups replaces a person's groups with these: keep their other courses'.
        this_course = {course.teachers_group, course.students_group}
        user = handler.find_user(name)
        kept = {g.name for g in user.groups} - this_course if user else set()
        self.log.info("LTI 1.3 launch: %s is %s of %s", name, role, course.id)
        return {"name": name, "groups": sorted(kept | {group})}


def configure(c, settings: LtiSettings, classroom_file: Path, state: Path) -> None:
    """The hub signs people in from the LMS; ``careerlab.hub.config.configure`` calls it."""
    c.JupyterHub.authenticator_class = CareerLabLTI13Authenticator
    c.CareerLabLTI13Authenticator.issuer = settings.issuer
    c.CareerLabLTI13Authenticator.client_id = set(settings.client_ids)
    c.CareerLabLTI13Authenticator.authorize_url = settings.authorize_url
    c.CareerLabLTI13Authenticator.jwks_endpoint = settings.jwks_endpoint
    c.CareerLabLTI13Authenticator.uri_scheme = "https"  # LTI 1.3 tools are served on HTTPS
    c.CareerLabLTI13Authenticator.classroom_file = str(classroom_file)
    c.CareerLabLTI13Authenticator.nonce_file = str(state / NONCE_FILE)
    # Whoever gets past authenticate() holds a signed launch for a linked course and a
    # teacher or student role there: that is the roster. Groups come from the launch.
    c.Authenticator.allow_all = True
    c.Authenticator.manage_groups = True
