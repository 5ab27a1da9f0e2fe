"""The folders a hub keeps, who owns them, and the Python every account can run.

Everything a hub writes lives under one root (``/srv/careerlab`` when run as root), so a
backup is one folder and a term's clean-up knows what is ours::

    <root>/                 0755 root      the hub's root
      hub/                  0700 root      JupyterHub's database, cookie secret, accounts.json
      venv/                 0755 root      the Python every account runs (see below)
      etc/jupyter/          0755 root      configuration of students' servers
      courses/<course>/     0700 course    one nbgrader course directory per course
      exchange/             0700 exchange  the exchange service's store
      home/<account>/       0700 person    each person's home; no classmate can read it

The repository's own ``.venv`` points at a Python under ``/root``, which no other account
may enter, so a hub run as root builds ``venv/`` from Debian's ``/usr/bin/python3`` and
installs CareerLab into it (a copy, not a link to the checkout: students' servers read it).

Without root (a teacher trying it on a laptop) there are no accounts: ``single_account``
is true, every server runs as the one user, homes are plain folders, and the repository's
own environment is used. That mode is for trying CareerLab out only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path("/srv/careerlab")
SYSTEM_PYTHON = Path("/usr/bin/python3")
_STAMP = ".careerlab-requirements"
_CODE_STAMP = ".careerlab-code"
VENV_VARIABLE = "CAREERLAB_HUB_VENV"


class LayoutError(RuntimeError):
    """The hub's folders or Python could not be made; the message says what to do."""


@dataclass(frozen=True)
class Layout:
    root: Path
    single_account: bool

    @property
    def state(self) -> Path:
        return self.root / "hub"

    @property
    def venv(self) -> Path:
        if self.single_account:
            return Path(sys.prefix)
        # Several hubs on one machine (the tests) may share one built Python.
        return Path(os.environ.get(VENV_VARIABLE) or self.root / "venv")

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "jupyter"

    @property
    def courses(self) -> Path:
        return self.root / "courses"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def homes(self) -> Path:
        return self.root / "home"

    def course(self, course_id: str) -> Path:
        return self.courses / course_id

    def make_folders(self) -> None:
        """The root-owned folders, with the modes above (the others belong to accounts)."""
        for folder, mode in (
            (self.root, 0o755),
            (self.state, 0o700),
            (self.root / "etc", 0o755),
            (self.etc, 0o755),
            (self.courses, 0o755),
            (self.homes, 0o755),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700 if self.single_account and folder == self.state else mode)


def for_this_user(root: Path | None = None) -> Layout:
    """Root gets the real layout in /srv/careerlab; anyone else the single-account try-out."""
    if os.geteuid() == 0:
        return Layout(Path(root or DEFAULT_ROOT).resolve(), single_account=False)
    return Layout(Path(root or Path.cwd() / ".hub").resolve(), single_account=True)


def _requirements_stamp(repository: Path) -> str:
    return hashlib.sha256((repository / "pyproject.toml").read_bytes()).hexdigest()


def _code_stamp(repository: Path) -> str:
    """What the checkout's CareerLab is: every file of the package, and pyproject.toml."""
    digest = hashlib.sha256((repository / "pyproject.toml").read_bytes())
    package = repository / "extensions" / "careerlab"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _pip(layout: Layout, *arguments: str) -> None:
    command = [str(layout.bin / "python"), "-m", "pip", "install", "--quiet", *arguments]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise LayoutError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def install_python(layout: Layout, repository: Path) -> None:
    """Build ``venv/`` once (again when pyproject.toml changes); put this checkout's CareerLab in.

    CareerLab itself is installed from the checkout whenever its code changed, so the hub
    runs the code beside its ``jupyterhub_config.py``; the other packages only when the
    requirements change. ``$CAREERLAB_HUB_VENV`` puts the Python elsewhere than ``<root>/venv``.
    """
    if layout.single_account:
        return
    old_umask = os.umask(0o022)  # readable by every account
    try:
        python = layout.bin / "python"
        if not python.exists():
            if not SYSTEM_PYTHON.exists():
                raise LayoutError(
                    f"{SYSTEM_PYTHON} is missing: apt-get install python3 python3-venv"
                )
            done = subprocess.run(
                [str(SYSTEM_PYTHON), "-m", "venv", str(layout.venv)],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise LayoutError(
                    f"cannot make {layout.venv} ({done.stderr.strip()}): "
                    "apt-get install python3-venv"
                )
        stamp = layout.venv / _STAMP
        wanted = _requirements_stamp(repository)
        if not stamp.exists() or stamp.read_text() != wanted:
            _pip(layout, "--upgrade", "pip", "setuptools", "wheel")
            _pip(layout, f"{repository}[hub]")
            stamp.write_text(wanted)
        # No build isolation: setuptools is already here, and the build is a copy. Only when
        # the code changed: reinstalling under running servers would pull files from them.
        code, wanted_code = layout.venv / _CODE_STAMP, _code_stamp(repository)
        if not code.exists() or code.read_text() != wanted_code:
            _pip(layout, "--no-deps", "--no-build-isolation", "--force-reinstall", str(repository))
            code.write_text(wanted_code)
    finally:
        os.umask(old_umask)
