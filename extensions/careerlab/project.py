"""The one reader of a workbook's ``workbook.yml`` (its project metadata).

The catalog validates every field; the author checks, rubric levels and the
self-assessment task only need the rubric it names. All of them read the file
here, so its name, encoding and errors are decided once. A leaf: imports only
``careerlab.course``, so both the student's kernel and the teacher's server may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from careerlab.course import METADATA_FILE

# workbook.yml is a few kB; a huge one (a project imported from elsewhere) would take
# minutes to parse as YAML before any of its problems could be named.
MAX_BYTES = 100_000


class ProjectFileError(ValueError):
    """workbook.yml is missing or not YAML; the message names the file."""


@dataclass(frozen=True)
class ProjectFile:
    path: Path
    data: Any  # as written: the catalog says what is wrong with it, field by field

    @property
    def title(self) -> str | None:
        """The project's title as written, if it has one (teachers see it beside the id)."""
        title = self.data.get("title") if isinstance(self.data, dict) else None
        return title.strip() if isinstance(title, str) and title.strip() else None

    @property
    def rubric(self) -> str | None:
        """The rubric id the project names, if it names one."""
        rubric = self.data.get("rubric") if isinstance(self.data, dict) else None
        return rubric if isinstance(rubric, str) and rubric else None

    @property
    def occupations(self) -> tuple[str, ...]:
        """The titles of the occupations the project lists (the career-fit reflection
        shows them). Entries that are not ``{soc: ..., title: ...}`` are skipped here:
        the catalog names them as problems."""
        listed = self.data.get("occupations") if isinstance(self.data, dict) else None
        if not isinstance(listed, list):
            return ()
        return tuple(
            entry["title"]
            for entry in listed
            if isinstance(entry, dict) and isinstance(entry.get("title"), str) and entry["title"]
        )


def read(folder: Path) -> ProjectFile:
    path = folder / METADATA_FILE
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ProjectFileError(
                f"{path}: over {MAX_BYTES:,} bytes; a project's metadata is a few kB."
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectFileError(f"{path}: missing; every project needs its metadata.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectFileError(f"{path}: cannot be read ({error}).") from error
    try:
        return ProjectFile(path, yaml.safe_load(text))
    except yaml.YAMLError as error:
        raise ProjectFileError(f"{path}: not valid YAML ({error}).") from error
