"""Unix accounts for a hub: one per person, one per course, one for the exchange.

Hub names are what people sign in with, often e-mail addresses longer than Unix allows
(32 characters, no '@'). The map from hub name to Unix name is kept in one file,
``accounts.json`` in the hub's state folder, so it never changes once made and never gives
two people one account:

- a person's account is ``cl-`` + a readable slug of the name (up to 18 letters and digits
  of the part before '@') + ``-`` + the first 6 hex digits of the name's SHA-256, e.g.
  ``ana.lee@school.org`` -> ``cl-analee-8d1f3a``; if those 6 digits ever name someone else
  already in the map, 8 then 10 digits are used (the map remembers which);
- a course's account is ``cl-course-<course id>``, the exchange's is ``cl-exchange``.

Every account made here starts with ``cl-``, so a district can list them
(``getent passwd | grep '^cl-'``). Homes are made 0700 (``useradd``'s default umask would
leave them 0755, readable by every classmate).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path

PREFIX = "cl-"
EXCHANGE_ACCOUNT = "cl-exchange"
MAP_FILE = "accounts.json"
_SLUG_LENGTH = 18
_DIGITS = (6, 8, 10)


class AccountError(RuntimeError):
    """An account could not be made or found; the message says which and why."""


def course_account(course_id: str) -> str:
    return f"{PREFIX}course-{course_id}"[:32]


def _slug(hub_name: str) -> str:
    local = hub_name.split("@", 1)[0].lower()
    slug = re.sub(r"[^a-z0-9]", "", local)[:_SLUG_LENGTH]
    return slug or "user"


def _candidates(hub_name: str) -> list[str]:
    digest = hashlib.sha256(hub_name.encode("utf-8")).hexdigest()
    return [f"{PREFIX}{_slug(hub_name)}-{digest[:n]}" for n in _DIGITS]


class AccountMap:
    """The hub name -> Unix name map, read from and written to ``<state>/accounts.json``."""

    def __init__(self, state: Path):
        self.path = Path(state) / MAP_FILE
        self.names: dict[str, str] = {}
        if self.path.exists():
            self.names = json.loads(self.path.read_text(encoding="utf-8"))

    def unix_name(self, hub_name: str) -> str:
        """The account of ``hub_name``, made up (and remembered) on first use."""
        if hub_name in self.names:
            return self.names[hub_name]
        taken = set(self.names.values())
        for candidate in _candidates(hub_name):
            if candidate not in taken:
                self.names[hub_name] = candidate
                self._save()
                return candidate
        raise AccountError(f"no free Unix name for hub name {hub_name!r}")

    def hub_name(self, unix_name: str) -> str | None:
        return next((h for h, u in self.names.items() if u == unix_name), None)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.names, indent=1, sort_keys=True) + "\n")
        os.chmod(temporary, 0o644)  # names only; the spawner and IT read it
        temporary.replace(self.path)


def exists(unix_name: str) -> bool:
    try:
        pwd.getpwnam(unix_name)
    except KeyError:
        return False
    return True


def ensure(unix_name: str, home: Path, comment: str = "") -> pwd.struct_passwd:
    """Make the account with its own 0700 home, once.

    It has no password (nobody signs in to it; the hub starts its servers) and bash, so
    the terminal in a student's or course's JupyterLab works.
    """
    if not unix_name.startswith(PREFIX):
        raise AccountError(f"refusing to manage {unix_name!r}: ours start with {PREFIX}")
    if not exists(unix_name):
        home.parent.mkdir(parents=True, exist_ok=True)
        command = ["useradd", "--home-dir", str(home), "--create-home", "--user-group"]
        command += ["--shell", "/bin/bash", "--comment", comment[:60], unix_name]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise AccountError(f"useradd {unix_name} failed: {done.stderr.strip()}")
    account = pwd.getpwnam(unix_name)
    home = Path(account.pw_dir)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, account.pw_uid, account.pw_gid)
    os.chmod(home, 0o700)
    return account


def ensure_known(unix_name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(unix_name)
    except KeyError:
        raise AccountError(f"no account {unix_name!r} on this machine") from None


def remove(unix_name: str) -> None:
    """Delete the account and its group (its files are the caller's business: archive first)."""
    if not unix_name.startswith(PREFIX):
        raise AccountError(f"refusing to remove {unix_name!r}: not a CareerLab account")
    if exists(unix_name):
        # A server or kernel left running would keep the account (userdel refuses).
        subprocess.run(["pkill", "-KILL", "-u", unix_name], capture_output=True)
        for _ in range(50):
            if subprocess.run(["pgrep", "-u", unix_name], capture_output=True).returncode:
                break
            time.sleep(0.1)
        done = subprocess.run(["userdel", unix_name], capture_output=True, text=True)
        if done.returncode != 0:
            raise AccountError(f"userdel {unix_name} failed: {done.stderr.strip()}")
