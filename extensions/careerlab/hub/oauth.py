"""Signing in with Google or the district's identity provider (oauthenticator, plus CareerLab).

The hub is an OAuth 2.0 / OpenID Connect client of the provider: ``/hub/oauth_login`` sends
the browser to the provider's authorize URL with a random ``state`` (also kept in an
encrypted cookie) and a PKCE challenge; the provider sends it back to ``callback_url`` with
a code; the hub checks the state against its cookie, trades the code (with the client secret
and the PKCE verifier) for an access token at the token URL, and asks the provider's
userinfo URL who it is. All of that is oauthenticator's. What this module adds:

- **One settings file** (``--oauth FILE``, YAML), checked with every problem reported at
  once; the client secret is read from a file of its own that only the hub's account can
  read, never from the settings file or the environment.
- **The hub name is the classroom file's name**: the claim the settings name (``email`` by
  default; Google: the e-mail, never stripped of its domain), lower-cased.
- **Who may sign in is exactly the classroom file's people** (read again when a roster
  import changes it), nobody else, whatever account they hold at the provider; and a name
  taken from an e-mail the provider says it has not verified is refused. Courses and roles
  come from the classroom file's groups, as with the try-out sign-in.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from oauthenticator.generic import GenericOAuthenticator
from oauthenticator.google import GoogleOAuthenticator
from tornado.web import HTTPError

from careerlab import ProblemsError
from careerlab.hub.signin import ClassroomPeople

PROVIDERS = ("google", "generic")
CALLBACK_PATH = "/hub/oauth_callback"
COMMON = {"provider", "client_id", "client_secret_file", "callback_url", "login_service"}
GENERIC = {"authorize_url", "token_url", "userdata_url", "username_claim", "scope", "basic_auth"}
GOOGLE = {"hosted_domain"}
NOT_IN_THE_CLASS = (
    "You are not on this hub's class lists. Sign in with your school account, or ask your "
    "teacher to add you."
)


class OAuthSettingsError(ProblemsError):
    """The OAuth settings file is wrong; ``problems`` lists each problem."""


@dataclass(frozen=True)
class OAuthSettings:
    """What the provider gave when the hub was registered with it as an OAuth client."""

    provider: str
    client_id: str
    client_secret_file: Path
    callback_url: str
    login_service: str
    hosted_domains: tuple[str, ...] = ()  # google
    authorize_url: str = ""  # generic, and the three URLs after it
    token_url: str = ""
    userdata_url: str = ""
    username_claim: str = "email"
    scope: tuple[str, ...] = ("openid", "email")
    basic_auth: bool = False  # the client's id and secret as HTTP Basic, not in the form

    @property
    def https(self) -> bool:
        return urlparse(self.callback_url).scheme == "https"

    def client_secret(self) -> str:
        return self.client_secret_file.read_text(encoding="utf-8").strip()


def loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(document: dict, key: str, problems: list[str], where: str) -> str:
    """An https URL; plain http only on loopback (a provider or hub tried on this machine:
    over any network the code, the token and the user's data would travel in clear)."""
    value = document.get(key)
    parsed = urlparse(value) if isinstance(value, str) else None
    if not parsed or not parsed.hostname or parsed.scheme not in ("https", "http"):
        problems.append(f"{where}: {key} must be a URL (https://...)")
    elif parsed.scheme == "http" and not loopback(value):
        problems.append(f"{where}: {key} must be https (http only on this machine: 127.0.0.1)")
    else:
        return value
    return ""


def _secret_file(value: object, problems: list[str], where: str) -> Path:
    """The client secret's file: readable by the hub's account alone (students must not
    read it: with it anyone could pose as the hub to the provider)."""
    if not isinstance(value, str) or not value:
        problems.append(f"{where}: client_secret_file must name the file holding the secret")
        return Path()
    path = Path(value)
    try:
        info = path.stat()
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{where}: client_secret_file {path}: cannot read it: {error}")
        return path
    if not stat.S_ISREG(info.st_mode):
        problems.append(f"{where}: client_secret_file {path} is not a regular file")
    if info.st_mode & 0o077 or info.st_uid != os.geteuid():
        problems.append(
            f"{where}: client_secret_file {path} must be the hub's own and 0600 "
            f"(it is {stat.filemode(info.st_mode)}, uid {info.st_uid}): chmod 600, chown"
        )
    if not secret:
        problems.append(f"{where}: client_secret_file {path} is empty")
    return path


def _texts(value: object, key: str, problems: list[str], where: str) -> tuple[str, ...]:
    value = [value] if isinstance(value, str) else value
    if not value or not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where}: {key} must be a word or a list of words")
        return ()
    return tuple(value)


def load_settings(path: Path) -> OAuthSettings:
    """The provider's settings from ``path`` (YAML); every problem is reported at once."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise OAuthSettingsError([f"{path}: cannot read the OAuth settings: {error}"]) from error
    if not isinstance(document, dict):
        raise OAuthSettingsError([f"{path}: expected a mapping (provider, client_id, ...)"])
    problems: list[str] = []
    provider = document.get("provider")
    if provider not in PROVIDERS:
        problems.append(f"{path}: provider must be one of {', '.join(PROVIDERS)}")
    if "client_secret" in document:
        problems.append(
            f"{path}: the client secret goes in its own file (client_secret_file, 0600), "
            "never in this file"
        )
    if provider in PROVIDERS:  # a misspelt setting is named, not silently ignored
        known = COMMON | (GOOGLE if provider == "google" else GENERIC) | {"client_secret"}
        for key in sorted(set(document) - known, key=str):
            problems.append(f"{path}: {key!r} is not a setting of provider {provider}")
    client_id = document.get("client_id")
    if not isinstance(client_id, str) or not client_id.strip():
        problems.append(f"{path}: client_id must be the id the provider gave the hub")
    secret_file = _secret_file(document.get("client_secret_file"), problems, str(path))
    callback = _url(document, "callback_url", problems, str(path))
    if callback and urlparse(callback).path != CALLBACK_PATH:
        problems.append(f"{path}: callback_url must end in {CALLBACK_PATH} (the hub's)")
    login_service = document.get("login_service", "")
    if not isinstance(login_service, str):
        problems.append(f"{path}: login_service must be text (the sign-in button's)")
    settings: dict[str, Any] = {}
    if provider == "google":
        domains = _texts(document.get("hosted_domain"), "hosted_domain", problems, str(path))
        settings["hosted_domains"] = tuple(d.lower() for d in domains)
    elif provider == "generic":
        for key in ("authorize_url", "token_url", "userdata_url"):
            settings[key] = _url(document, key, problems, str(path))
        claim = document.get("username_claim", "email")
        if not isinstance(claim, str) or not claim:
            problems.append(f"{path}: username_claim must name a claim (e.g. email)")
        settings["username_claim"] = claim
        scope = _texts(document.get("scope", ["openid", "email"]), "scope", problems, str(path))
        if scope and "openid" not in scope:
            problems.append(f"{path}: scope must include openid")
        settings["scope"] = scope
        if not isinstance(document.get("basic_auth", False), bool):
            problems.append(f"{path}: basic_auth must be true or false")
        settings["basic_auth"] = document.get("basic_auth", False)
    if problems:
        raise OAuthSettingsError(problems)
    return OAuthSettings(
        provider=provider,
        client_id=client_id.strip(),
        client_secret_file=secret_file.resolve(),
        callback_url=callback,
        login_service=login_service or ("Google" if provider == "google" else "School account"),
        **settings,
    )


class ClassroomOAuth(ClassroomPeople):
    """What both providers add to oauthenticator: the classroom's people, and no one else."""

    async def check_allowed(self, username: str, auth_model: dict | None = None) -> bool:
        # Not oauthenticator's rules (allowed_users fixed at start, allow_all, groups): the
        # classroom file as it is now. Never set allow_all: JupyterHub would skip this.
        if username not in self.people():
            self.log.warning("OAuth sign-in refused: %s is not in the classroom file", username)
            return False
        claims = ((auth_model or {}).get("auth_state") or {}).get(self.user_auth_state_key, {})
        # OpenID Connect says email_verified, Google's userinfo verified_email.
        if self.username_claim == "email" and False in (
            claims.get("email_verified"),
            claims.get("verified_email"),
        ):
            self.log.warning("OAuth sign-in refused: %s is an unverified e-mail", username)
            raise HTTPError(403, "Your provider has not verified this e-mail address.")
        return True


class CareerLabGoogleOAuthenticator(ClassroomOAuth, GoogleOAuthenticator):
    """Google accounts of the school's Workspace domain(s) that the classroom file lists."""


class CareerLabGenericOAuthenticator(ClassroomOAuth, GenericOAuthenticator):
    """A district's OpenID Connect provider; the classroom file's people only."""


def configure(c, settings: OAuthSettings, classroom_file: Path) -> None:
    """The hub signs people in at the provider; ``careerlab.hub.config.configure`` calls it
    (and sets the classroom's groups and allowed users, as for the try-out sign-in)."""
    if settings.provider == "google":
        c.JupyterHub.authenticator_class = CareerLabGoogleOAuthenticator
        section = c.CareerLabGoogleOAuthenticator
        # The hd claim must be the school's domain (upstream's check_blocked_users) ...
        section.hosted_domain = list(settings.hosted_domains)
        # ... and the name stays the whole e-mail, as the classroom file writes it.
        section.strip_domain = False
    else:
        c.JupyterHub.authenticator_class = CareerLabGenericOAuthenticator
        section = c.CareerLabGenericOAuthenticator
        section.authorize_url = settings.authorize_url
        section.token_url = settings.token_url
        section.userdata_url = settings.userdata_url  # asked directly, with the access token
        section.username_claim = settings.username_claim
        section.scope = list(settings.scope)
        section.basic_auth = settings.basic_auth
    section.client_id = settings.client_id
    # Read by the hub (root) from its own 0600 file: not in the settings file, not in any
    # environment variable a student's server could inherit.
    section.client_secret = settings.client_secret()
    section.oauth_callback_url = settings.callback_url
    section.login_service = settings.login_service
    section.classroom_file = str(classroom_file)
    section.custom_403_message = NOT_IN_THE_CLASS
    section.allow_existing_users = False  # a person dropped from the roster stays out
    section.enable_pkce = True
