"""Signing in with OAuth / OpenID Connect against a real provider (careerlab.hub.oauth).

One hub of its own (root /srv/careerlab-oauth, course oa-101, people nobody else uses),
started with ``--auth oauth`` on HTTPS (a self-signed certificate made here), and a real
OpenID Connect provider on loopback: panva's ``oidc-provider`` from npm
(tests/hub/oidc_provider.mjs), started beside the hub. The test is the browser: it follows
the hub's redirect to the provider, fills in the provider's login form, and comes back to
the hub's callback with the provider's code, all with ``requests``; the hub trades the code
for a token and asks the provider who signed in. Not tested: Google or any real district
provider (docs/deploy.md).
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time
from argparse import Namespace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
import yaml

from careerlab.hub.command import _oauth
from careerlab.hub.oauth import NOT_IN_THE_CLASS

from ..conftest import REPO
from .classroom_hub import Hub, start_hub
from .https import browser_for, certificate, users_in_hub, who

ROOT = Path("/srv/careerlab-oauth")
COURSE = "oa-101"
STUDENT, TEACHER = "oa.student@school.org", "oa.teacher@school.org"
UNVERIFIED = "oa.unverified@school.org"
CLASSROOM = {
    "courses": [
        {
            "id": COURSE,
            "projects": ["first-paycheck"],
            "teachers": [TEACHER],
            "students": [STUDENT, UNVERIFIED],
        }
    ]
}
CLIENT_ID = "careerlab-hub"
# Accounts at the provider, by login: each a valid account there. The outsider is not in
# the classroom file; the student's e-mail comes in mixed case, as providers may send it.
ACCOUNTS = {
    "student": {"email": "OA.Student@School.org", "email_verified": True},
    "teacher": {"email": TEACHER, "email_verified": True},
    "outsider": {"email": "oa.outsider@school.org", "email_verified": True},
    "unverified": {"email": UNVERIFIED, "email_verified": False},
}


class Provider:
    """oidc-provider in a node process of its own, on 127.0.0.1."""

    def __init__(self, port: int, redirect_uri: str, secret: str, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        settings = {
            "port": port,
            "client_id": CLIENT_ID,
            "client_secret": secret,
            "redirect_uri": redirect_uri,
            "accounts": ACCOUNTS,
        }
        self.process = subprocess.Popen(
            ["node", str(Path(__file__).with_name("oidc_provider.mjs")), json.dumps(settings)],
            cwd=REPO,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while f"ready {self.url}" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the provider did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class Form(HTMLParser):
    """The first form of a page: where it posts and its fields."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action") or ""
        elif tag == "input" and self.action is not None and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


def at_the_provider(hub: Hub, provider: Provider, login: str) -> tuple[requests.Session, str]:
    """A browser starts signing in at the hub and signs in at the provider as ``login``;
    returns the browser and the hub callback URL the provider sent it to (not yet opened)."""
    browser = browser_for(hub)
    answer = browser.get(f"{hub.url}hub/oauth_login", allow_redirects=False, timeout=30)
    assert answer.status_code == 302, (answer.status_code, answer.text[:300])
    location = answer.headers["Location"]
    assert location.startswith(f"{provider.url}/auth?"), location
    asked = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
    assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
    assert asked["redirect_uri"] == f"{hub.url}hub/oauth_callback"
    assert asked["code_challenge_method"] == "S256" and asked["state"]
    # The state's twin is in an encrypted cookie, sent back only over HTTPS.
    (state_cookie,) = [c for c in answer.raw.headers.getlist("Set-Cookie") if "state" in c]
    assert "Secure" in state_cookie and "HttpOnly" in state_cookie, state_cookie
    # At the provider: its login form, then its consent form, each answered like a person.
    page = browser.get(location, timeout=30)
    for _ in range(4):
        form = Form(page.text)
        assert form.action is not None, (page.url, page.text[:500])
        if form.fields.get("prompt") == "login":
            form.fields.update(login=login, password="any password")
        answer = browser.post(
            urljoin(page.url, form.action), data=form.fields, allow_redirects=False, timeout=30
        )
        while answer.status_code in (302, 303):
            location = urljoin(answer.url, answer.headers["Location"])
            if location.startswith(f"{hub.url}hub/oauth_callback?"):
                return browser, location
            answer = browser.get(location, allow_redirects=False, timeout=30)
        page = answer
    raise AssertionError(f"the provider never sent the browser back: {page.text[:500]}")


def sign_in(hub: Hub, provider: Provider, login: str) -> tuple[requests.Session, requests.Response]:
    browser, callback = at_the_provider(hub, provider, login)
    return browser, browser.get(callback, allow_redirects=False, timeout=30)


@pytest.fixture(scope="module")
def oauth_hub(tmp_path_factory: pytest.TempPathFactory):
    from careerlab.testing import hub as testing_hub

    folder = tmp_path_factory.mktemp("oauth")
    cert, key = certificate(folder)
    secret_file = folder / "client-secret"
    secret = secrets.token_urlsafe(24)
    secret_file.write_text(secret + "\n")
    secret_file.chmod(0o600)
    # The callback URL holds the hub's public port, and both the settings file and the
    # provider need it before the hub starts: so the test picks the hub's ports.
    base = testing_hub.free_block(9)
    hub_url = f"https://127.0.0.1:{base}/"
    provider = Provider(base + 8, f"{hub_url}hub/oauth_callback", secret, folder / "idp.log")
    settings = folder / "oauth.yml"
    settings.write_text(
        yaml.safe_dump(
            {
                "provider": "generic",
                "client_id": CLIENT_ID,
                "client_secret_file": str(secret_file),
                "callback_url": f"{hub_url}hub/oauth_callback",
                "authorize_url": f"{provider.url}/auth",
                "token_url": f"{provider.url}/token",
                "userdata_url": f"{provider.url}/me",
                "login_service": "the district",
            }
        )
    )
    extra = ("--auth=oauth", f"--oauth={settings}", f"--certificate={cert}", f"--key={key}")
    try:
        hub = start_hub(root=ROOT, classroom=CLASSROOM, extra=extra, certificate=cert, port=base)
        assert hub.url == hub_url
        provider.wait_ready()
        yield hub, provider, secret
        hub.stop()
    finally:
        provider.stop()


def test_people_sign_in_as_their_classroom_name_into_their_course(oauth_hub):
    hub, provider, _ = oauth_hub
    student, answer = sign_in(hub, provider, "student")
    # Signed in, on to the hub (its default: start their server).
    assert answer.status_code == 302 and answer.headers["Location"] == "/hub/spawn", (
        answer.status_code,
        answer.text[:500],
    )
    (login,) = [c for c in student.cookies if c.name == "jupyterhub-hub-login"]
    assert login.secure  # the hub's own cookie is Secure on HTTPS
    me = who(student, hub)
    assert me.status_code == 200, me.text
    # The provider said OA.Student@School.org: the hub name is the classroom file's.
    assert me.json()["name"] == STUDENT
    assert me.json()["groups"] == [f"nbgrader-{COURSE}"]

    teacher, answer = sign_in(hub, provider, "teacher")
    assert answer.status_code == 302, answer.text[:500]
    assert who(teacher, hub).json()["groups"] == [f"formgrade-{COURSE}"]


def test_a_provider_account_not_in_the_classroom_is_refused(oauth_hub):
    hub, provider, _ = oauth_hub
    browser, answer = sign_in(hub, provider, "outsider")
    assert answer.status_code == 403, (answer.status_code, answer.text[:500])
    assert "class lists" in answer.text and "class lists" in NOT_IN_THE_CLASS
    assert who(browser, hub).status_code == 403
    assert "oa.outsider@school.org" not in users_in_hub(hub)


def test_an_e_mail_the_provider_has_not_verified_is_refused(oauth_hub):
    hub, provider, _ = oauth_hub
    browser, answer = sign_in(hub, provider, "unverified")
    assert answer.status_code == 403, (answer.status_code, answer.text[:500])
    assert "not verified" in answer.text
    assert who(browser, hub).status_code == 403


def _state(state_id: str) -> str:
    """A state as oauthenticator writes one (base64 JSON), with another id."""
    return base64.urlsafe_b64encode(json.dumps({"state_id": state_id}).encode()).decode()


def test_a_callback_with_a_forged_or_missing_state_is_refused(oauth_hub):
    hub, provider, _ = oauth_hub
    browser, callback = at_the_provider(hub, provider, "student")
    query = {k: v[0] for k, v in parse_qs(urlparse(callback).query).items()}
    base = callback.split("?")[0]
    tries = {
        # the right browser (its state cookie), a state someone else made
        "forged": (True, {**query, "state": _state("0" * 32)}, "OAuth state mismatch"),
        "missing": (True, {k: v for k, v in query.items() if k != "state"}, "state"),
        # the provider's real answer, opened in another browser (a login CSRF): no cookie
        "no cookie": (False, query, "OAuth state missing from cookies"),
    }
    for case, (with_cookies, params, reason) in tries.items():
        other = browser_for(hub)
        if with_cookies:
            other.cookies.update(browser.cookies)
        answer = other.get(f"{base}?{urlencode(params)}", allow_redirects=False, timeout=30)
        assert answer.status_code == 400 and reason in answer.text, (case, answer.text[:500])
        assert who(other, hub).status_code == 403, case
    # The same code with its own state and cookie signs the student in: each refusal above
    # was for the state alone.
    answer = browser.get(callback, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    assert who(browser, hub).json()["name"] == STUDENT


def test_the_client_secret_is_in_no_environment_nor_log(oauth_hub):
    hub, _, secret = oauth_hub
    pids = subprocess.run(
        ["pgrep", "-g", str(hub.process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert pids  # the hub, its proxy and services
    for pid in pids:
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue  # gone meanwhile
        assert secret.encode() not in environment, pid
    assert secret not in hub.log.read_text()


# Without a hub: the settings file and `careerlab hub start`'s options.


def _options(settings: Path, auth: str = "oauth") -> Namespace:
    return Namespace(auth=auth, oauth=str(settings))


def test_bad_settings_are_refused_with_every_problem_named(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    settings = tmp_path / "oauth.yml"
    settings.write_text(
        yaml.safe_dump(
            {
                "provider": "generic",
                "client_secret": "s3cret",
                "client_secret_file": str(secret),
                "callback_url": "http://hub.school.org/hub/oauth_callback",
                "token_url": "ftp://idp.school.org/token",
                "userdata_url": "https://idp.school.org/userinfo",
                "scope": ["email"],
                "tenant": "x",
            }
        )
    )
    with pytest.raises(SystemExit) as refused:
        _oauth(_options(settings), None)
    message = str(refused.value)
    for problem in (
        "the client secret goes in its own file",
        "'tenant' is not a setting of provider generic",
        "client_id must be the id the provider gave the hub",
        f"client_secret_file {secret} must be the hub's own and 0600",
        "callback_url must be https (http only on this machine",
        "authorize_url must be a URL",
        "token_url must be a URL",
        "scope must include openid",
    ):
        assert problem in message, (problem, message)
    assert len(message.splitlines()) == 8, message
    assert "userdata_url" not in message

    settings.write_text(yaml.safe_dump({"provider": "google", "client_id": "x"}))
    with pytest.raises(SystemExit) as refused:
        _oauth(_options(settings), None)
    message = str(refused.value)
    for problem in ("client_secret_file must name", "callback_url must be a URL", "hosted_domain"):
        assert problem in message, (problem, message)


def test_https_needs_a_certificate_and_oauth_needs_its_option(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o600)
    settings = tmp_path / "oauth.yml"
    google = {
        "provider": "google",
        "client_id": "1234-abc.apps.googleusercontent.com",
        "client_secret_file": str(secret),
        "callback_url": "https://hub.school.org/hub/oauth_callback",
        "hosted_domain": "School.org",
    }
    settings.write_text(yaml.safe_dump(google))
    tls = (tmp_path / "hub.crt", tmp_path / "hub.key")
    assert _oauth(_options(settings), tls) == settings.resolve()
    with pytest.raises(SystemExit, match="is https: give --certificate and --key"):
        _oauth(_options(settings), None)
    # A hub tried on this machine may use http: Google allows http for localhost only.
    settings.write_text(
        yaml.safe_dump({**google, "callback_url": "http://127.0.0.1:8000/hub/oauth_callback"})
    )
    assert _oauth(_options(settings), None) == settings.resolve()
    with pytest.raises(SystemExit, match="callback_url must be https"):
        _oauth(_options(settings), tls)
    with pytest.raises(SystemExit, match="--oauth is for --auth oauth"):
        _oauth(_options(settings, auth="tryout"), None)
    with pytest.raises(SystemExit, match="needs --oauth FILE"):
        _oauth(Namespace(auth="oauth", oauth=None), None)
