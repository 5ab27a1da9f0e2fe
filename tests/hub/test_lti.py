"""LTI 1.3 launches against a real hub served on HTTPS (careerlab.hub.lti, docs/deploy.md).

One hub of its own (root /srv/careerlab-lti, courses lti-101 and lti-202, people nobody else
uses), started with ``--auth lti13`` and a self-signed certificate made here. The test is the
LMS (the LTI "platform"): it has an RSA key, serves its JWKS on loopback, and does the OIDC
third-party login for real: it calls the hub's login URL, follows the hub's redirect to its
own authorize URL (taking the state and nonce from it), signs an id_token and posts it with
the state to the hub's redirect URL, carrying the browser's cookies. Every refusal is
checked twice: the answer, and that no user of that name exists in the hub's database.
"""

from __future__ import annotations

import json
import pwd
import sqlite3
import threading
import time
from argparse import Namespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import jwt
import pytest
import requests
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from careerlab.hub.accounts import MAP_FILE
from careerlab.hub.classroom import ClassroomError, parse
from careerlab.hub.command import _sign_in
from careerlab.hub.lti import LtiSettingsError, NonceStore, course_role, load_settings

from .classroom_hub import Hub, start_hub
from .https import browser_for, certificate, users_in_hub, who

ROOT = Path("/srv/careerlab-lti")
ISSUER = "https://lms.district.example"
CLIENT_ID = "careerlab-tool-7"
AUTHORIZE_URL = "https://lms.district.example/api/lti/authorize_redirect"
CONTEXT, OTHER_CONTEXT = "lms-course-5501", "lms-course-5502"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTRUCTOR, LEARNER = f"{MEMBERSHIP}#Instructor", f"{MEMBERSHIP}#Learner"
CLASSROOM = {
    "courses": [
        # Linked to the LMS: nobody listed, the launches bring the people.
        {"id": "lti-101", "projects": ["first-paycheck"], "lti_context_ids": [CONTEXT]},
        {"id": "lti-202", "projects": ["first-paycheck"], "lti_context_ids": [OTHER_CONTEXT]},
    ]
}


class Platform:
    """The LMS: its signing key, its JWKS on loopback, and launches through the hub."""

    KID = "platform-key-1"

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": self.KID, "alg": "RS256", "use": "sig"}]})

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 -- http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.jwks_url = f"http://127.0.0.1:{self.server.server_port}/jwks"

    def login(self, hub: Hub) -> tuple[requests.Session, dict[str, str]]:
        """Steps 1 and 2 of the OIDC third-party login: the hub's redirect to the platform."""
        browser = browser_for(hub)
        answer = browser.post(
            f"{hub.url}hub/lti13/oauth_login",
            data={
                "iss": ISSUER,
                "login_hint": "opaque-user-hint",
                "target_link_uri": f"{hub.url}hub/home",
                "client_id": CLIENT_ID,
                "lti_deployment_id": "1",
            },
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, (answer.status_code, answer.text[:300])
        location = answer.headers["Location"]
        assert location.startswith(AUTHORIZE_URL + "?"), location
        asked = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        assert asked["client_id"] == CLIENT_ID
        assert asked["redirect_uri"] == f"{hub.url}hub/lti13/oauth_callback"
        assert asked["response_mode"] == "form_post" and asked["scope"] == "openid"
        # The state and nonce cookies must reach the hub on the LMS's cross-site POST.
        set_cookies = answer.raw.headers.getlist("Set-Cookie")
        assert len(set_cookies) == 2 and all(
            "Secure" in c and "SameSite=None" in c and "HttpOnly" in c for c in set_cookies
        ), set_cookies
        return browser, asked

    def id_token(self, asked: dict[str, str], key=None, **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "4f7c1d2e",
            "exp": now + 300,
            "iat": now,
            "nonce": asked["nonce"],
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "1",
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://hub/",
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "link-1"},
            "https://purl.imsglobal.org/spec/lti/claim/context": {
                "id": CONTEXT,
                "label": "CTE",
                "title": "Careers, period 1",
            },
            "https://purl.imsglobal.org/spec/lti/claim/roles": [LEARNER],
            **claims,
        }
        return jwt.encode(payload, key or self.key, "RS256", headers={"kid": self.KID})

    def launch(self, hub: Hub, key=None, **claims):
        """A whole launch; returns the browser, the hub's answer and what was posted."""
        browser, asked = self.login(hub)
        cookies = browser.cookies.copy()
        form = {"id_token": self.id_token(asked, key, **claims), "state": asked["state"]}
        answer = browser.post(asked["redirect_uri"], data=form, allow_redirects=False, timeout=30)
        return browser, answer, (asked["redirect_uri"], form, cookies)


@pytest.fixture(scope="module")
def platform() -> Platform:
    made = Platform()
    yield made
    made.server.shutdown()


@pytest.fixture(scope="module")
def lti_hub(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Hub:
    folder = tmp_path_factory.mktemp("lti")
    cert, key = certificate(folder)
    settings = folder / "lti.yml"
    settings.write_text(
        yaml.safe_dump(
            {
                "issuer": ISSUER,
                "client_id": CLIENT_ID,
                "authorize_url": AUTHORIZE_URL,
                "jwks_endpoint": platform.jwks_url,
            }
        )
    )
    extra = ("--auth=lti13", f"--lti={settings}", f"--certificate={cert}", f"--key={key}")
    hub = start_hub(root=ROOT, classroom=CLASSROOM, extra=extra, certificate=cert)
    yield hub
    hub.stop()


def test_a_student_and_a_teacher_launch_into_their_course(lti_hub: Hub, platform: Platform):
    student, answer, _ = platform.launch(lti_hub, email="LTI.Student@School.org")
    assert answer.status_code == 302 and answer.headers["Location"] == "/hub/home", answer.text
    login = [c for c in student.cookies if c.name == "jupyterhub-hub-login"]
    assert login and login[0].secure  # the hub's own cookie is Secure on HTTPS
    me = who(student, lti_hub)
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "lti.student@school.org"
    assert me.json()["groups"] == ["nbgrader-lti-101"]

    teacher, answer, _ = platform.launch(
        lti_hub,
        email="lti.teacher@school.org",
        # A teacher role wins over a learner role; a sub-role written the LTI 1.3 way.
        **{
            "https://purl.imsglobal.org/spec/lti/claim/roles": [
                LEARNER,
                f"{MEMBERSHIP}/Instructor#TeachingAssistant",
            ]
        },
    )
    assert answer.status_code == 302, answer.text
    assert who(teacher, lti_hub).json()["groups"] == ["formgrade-lti-101"]
    # The course's formgrader opens for its teacher, not for the student.
    assert teacher.get(f"{lti_hub.url}services/lti-101/", timeout=60).status_code == 200
    assert student.get(f"{lti_hub.url}services/lti-101/", timeout=30).status_code == 403

    # The same student launched from a second LMS course joins it and keeps the first.
    _, answer, _ = platform.launch(
        lti_hub,
        email="lti.student@school.org",
        **{"https://purl.imsglobal.org/spec/lti/claim/context": {"id": OTHER_CONTEXT}},
    )
    assert answer.status_code == 302, answer.text
    assert who(student, lti_hub).json()["groups"] == ["nbgrader-lti-101", "nbgrader-lti-202"]


def test_without_email_the_name_is_sub_at_the_issuer(lti_hub: Hub, platform: Platform):
    browser, answer, _ = platform.launch(lti_hub, sub="8812-x")
    assert answer.status_code == 302, answer.text
    assert who(browser, lti_hub).json()["name"] == "8812-x@lms.district.example"


def test_a_launched_student_gets_an_account_and_server(lti_hub: Hub, platform: Platform):
    name = "lti.server@school.org"
    browser, answer, _ = platform.launch(lti_hub, email=name)
    assert answer.status_code == 302, answer.text
    browser.get(f"{lti_hub.url}hub/spawn", timeout=60)
    # Their browser's cookie opens their JupyterLab (through the hub's OAuth) once it runs.
    lab = f"/user/{quote(name, safe='@')}/lab"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        page = browser.get(f"{lti_hub.url}{lab[1:]}", timeout=30)
        if page.status_code == 200 and urlparse(page.url).path == lab:
            break
        time.sleep(1)
    assert page.status_code == 200 and urlparse(page.url).path == lab, (page.url, page.text[:300])
    assert "JupyterLab" in page.text
    unix_name = json.loads((lti_hub.root / "hub" / MAP_FILE).read_text())[name]
    home = Path(pwd.getpwnam(unix_name).pw_dir)
    assert (
        home.stat().st_mode & 0o777 == 0o700
        and home.stat().st_uid == pwd.getpwnam(unix_name).pw_uid
    )


REFUSALS = {
    "bad signature": ({"key": "other"}, 400, "Signature verification failed"),
    "expired token": ({"exp": -60, "iat": -400}, 400, "expired"),
    # JupyterHub's 401 page shows no message: the reason is in the hub's log.
    "wrong audience": ({"aud": "someone-elses-tool"}, 401, "401 POST /hub/lti13/oauth_callback"),
    "wrong issuer": ({"iss": "https://evil.example"}, 400, "issuer"),
    "unknown context": (
        {"https://purl.imsglobal.org/spec/lti/claim/context": {"id": "lms-course-9999"}},
        403,
        "not linked to a CareerLab course",
    ),
    "no role": (
        {"https://purl.imsglobal.org/spec/lti/claim/roles": [f"{MEMBERSHIP}#Mentor"]},
        403,
        "neither teacher nor student",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_launch_is_refused_and_signs_nobody_in(lti_hub: Hub, platform: Platform, case: str):
    claims, status, reason = REFUSALS[case]
    name = f"lti.{case.replace(' ', '-')}@school.org"
    claims = {**claims, "email": name}
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if claims.pop("key", None)
        else None
    )
    now = int(time.time())
    for when in ("exp", "iat"):
        if when in claims:
            claims[when] += now
    browser, answer, _ = platform.launch(lti_hub, key, **claims)
    assert answer.status_code == status, (answer.status_code, answer.text[:500])
    if status == 401:
        assert f"{reason} (127.0.0.1): Audience doesn't match" in lti_hub.log.read_text()
    else:
        assert reason in answer.text
    assert who(browser, lti_hub).status_code == 403
    assert name not in users_in_hub(lti_hub)


def test_a_replayed_launch_is_refused(lti_hub: Hub, platform: Platform):
    name = "lti.replayed@school.org"
    _, answer, (url, form, cookies) = platform.launch(lti_hub, email=name)
    assert answer.status_code == 302, answer.text
    # Someone who captured the whole launch (token, state and the browser's cookies)
    # posts it again from another browser.
    thief = browser_for(lti_hub)
    thief.cookies.update(cookies)
    again = thief.post(url, data=form, allow_redirects=False, timeout=30)
    assert again.status_code == 400, (again.status_code, again.text[:500])
    assert "already used" in again.text
    assert who(thief, lti_hub).status_code == 403
    # Used nonces are kept on disk (a restart does not forget them), for the hub alone.
    assert (lti_hub.root / "hub" / "lti13-nonces.sqlite").stat().st_mode & 0o777 == 0o600


# Without a hub: the classroom file's links, the role rule, the nonce store, the settings.


def test_the_classroom_file_links_each_lms_course_once():
    classroom = parse(
        {
            "courses": [
                {"id": "lti-101", "lti_context_ids": ["c1", "c2"]},
                {"id": "x", "teachers": ["t"]},
            ]
        }
    )
    assert classroom.course_for_context("c2").id == "lti-101"
    assert (
        classroom.course_for_context("c3") is None and classroom.course("x").lti_context_ids == ()
    )
    with pytest.raises(ClassroomError) as refused:
        parse(
            {
                "courses": [
                    {"id": "a", "lti_context_ids": ["c1"]},
                    {"id": "b", "lti_context_ids": ["c1"]},
                    {"id": "c", "lti_context_ids": "c9"},
                    {"id": "d"},
                ]
            }
        )
    problems = "\n".join(refused.value.problems)
    assert "LMS course 'c1' is linked to both a and b" in problems
    assert "course c: lti_context_ids must be a list" in problems
    assert "course d: needs at least one teacher (or lti_context_ids)" in problems


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        ([LEARNER], "student"),
        ([INSTRUCTOR], "teacher"),
        ([f"{MEMBERSHIP}/Instructor#TeachingAssistant"], "teacher"),
        ([f"{MEMBERSHIP}#Instructor#TeachingAssistant", LEARNER], "teacher"),
        ([f"{MEMBERSHIP}#ContentDeveloper"], None),
        (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"], None),
        ([f"{MEMBERSHIP}#InstructorX", f"{MEMBERSHIP}#Learners"], None),
        ("Instructor", None),
        ([], None),
    ],
)
def test_only_course_roles_make_a_teacher_or_a_student(roles, role):
    assert course_role(roles) == role


def test_a_nonce_is_used_once_even_after_a_restart(tmp_path):
    NonceStore(tmp_path / "n.sqlite").use("old", time.time() - 1)
    assert NonceStore(tmp_path / "n.sqlite").use("n1", time.time() + 60)
    assert not NonceStore(tmp_path / "n.sqlite").use("n1", time.time() + 60)  # a new store
    with sqlite3.connect(tmp_path / "n.sqlite") as db:  # the expired one was pruned
        assert [n for (n,) in db.execute("SELECT nonce FROM used")] == ["n1"]


def test_bad_settings_and_options_are_refused_before_anything_starts(tmp_path):
    settings = tmp_path / "lti.yml"
    settings.write_text("issuer: lms\nclient_id: []\n")
    with pytest.raises(LtiSettingsError) as refused:
        load_settings(settings)
    assert len(refused.value.problems) == 4  # issuer, authorize_url, jwks_endpoint, client_id
    options = {"auth": "lti13", "lti": str(settings), "certificate": None, "key": None}
    with pytest.raises(SystemExit, match="needs --certificate and --key"):
        _sign_in(Namespace(**options))
    with pytest.raises(SystemExit, match="--lti is for --auth lti13"):
        _sign_in(Namespace(**{**options, "auth": "tryout"}))
