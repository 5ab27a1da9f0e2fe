"""A project as one file, ``<id>.careerlab.zip``, to share it with another school.

The archive holds the project's plain files as the course lays them out:
``workbooks/<id>/`` (workbook.md, workbook.yml, solutions.yml, the CSVs and their
datasheets) and ``rubrics/`` (the rubric it names and that rubric's product rubric).
The notebook is left out: the importing course builds it from the text.

An imported archive is as untrusted as any upload. Every member is checked before
anything is written, with the exchange's own name rule (``careerlab.exchange.archive``:
relative, no ``..``, no backslash or control character): only regular files (no links,
no folders other than the two above), known suffixes, at most ``MAX_MEMBERS`` members,
each at most ``MAX_FILE_BYTES`` and all together ``MAX_TOTAL_BYTES``, read no further
than those limits (a zip bomb stops there). A project whose id exists is refused with a
free id to use instead; a rubric that exists with other content is refused too, never
overwritten. The project is written into a hidden folder and renamed into place.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from careerlab import course, project
from careerlab.author import MAX_DATA_BYTES, check_assignment
from careerlab.author.build import BuildError, HandEdited, build
from careerlab.exchange.archive import ArchiveError, check_name

SUFFIX = ".careerlab.zip"
MAX_MEMBERS = 100
MAX_FILE_BYTES = MAX_DATA_BYTES  # what `careerlab check` allows a data file
MAX_TOTAL_BYTES = 4 * MAX_DATA_BYTES
PROJECT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
PROJECT_FILES = (course.TEXT_FILE, course.METADATA_FILE, course.SOLUTIONS_FILE, course.GUIDE_FILE)
DATA_SUFFIXES = (".csv", ".datasheet.yml")


class SharingError(ValueError):
    """An archive that cannot be imported (or a project that cannot be exported);
    ``suggestion`` is a free project id when the id is taken."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class Imported:
    project: str
    folder: Path
    rubrics: list[str]  # rubric files written (ones already there, identical, are not)
    problems: list[str]  # `careerlab check`'s messages for the imported project


def _project_files(folder: Path) -> list[Path]:
    files = [folder / name for name in PROJECT_FILES if (folder / name).is_file()]
    files += sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.is_symlink() and path.name.endswith(DATA_SUFFIXES)
    )
    return files


def _rubric_files(root: Path, folder: Path) -> list[Path]:
    from careerlab.rubrics.format import RubricError, load_all

    rubric_id = project.read(folder).rubric
    if rubric_id is None:
        return []
    rubrics_dir = root / course.RUBRICS_DIRECTORY
    own = rubrics_dir / f"{rubric_id}.yml"
    try:
        rubrics = load_all(rubrics_dir)
    except RubricError:
        return [own] if own.is_file() else []  # `careerlab check` names the problem
    rubric = rubrics.get(rubric_id)
    if rubric is None:
        return []
    found = [Path(rubric.source)]
    if rubric.product_rubric in rubrics:
        found.append(Path(rubrics[rubric.product_rubric].source))
    return found


def export(root: Path, project_id: str) -> bytes:
    """The project's plain files as the bytes of ``<id>.careerlab.zip``."""
    folder = root / course.SOURCE_DIRECTORY / project_id
    if not PROJECT_ID.fullmatch(project_id) or not folder.is_dir():
        raise SharingError(f"no project {project_id!r} in {course.SOURCE_DIRECTORY}/.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _project_files(folder):
            archive.writestr(_info(f"{course.SOURCE_DIRECTORY}/{project_id}/{path.name}"),
                             path.read_bytes())  # fmt: skip
        for path in _rubric_files(root, folder):
            archive.writestr(_info(f"{course.RUBRICS_DIRECTORY}/{path.name}"), path.read_bytes())
    return buffer.getvalue()


def _info(name: str) -> zipfile.ZipInfo:
    # A fixed date and mode: the same project always gives the same archive.
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def read_archive(data: bytes) -> tuple[str, dict[str, bytes], dict[str, bytes]]:
    """(project id, its files by name, rubric files by name), every member checked;
    SharingError names the first problem. Nothing is written."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SharingError(f"not a CareerLab project file (a .zip): {error}") from None
    if len(infos) > MAX_MEMBERS:
        raise SharingError(f"refused: {len(infos):,} members; at most {MAX_MEMBERS}.")
    projects: set[str] = set()
    files: dict[str, bytes] = {}
    rubrics: dict[str, bytes] = {}
    total = 0
    for info in infos:
        try:
            name = check_name(info.filename)
        except ArchiveError as error:
            raise SharingError(f"refused: {error.detail}.") from None
        if info.is_dir():
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG):  # 0: made on a system without Unix modes
            raise SharingError(f"refused: {ascii(name)} is not a regular file (a link?).")
        if info.flag_bits & 0x1:
            raise SharingError(f"refused: {ascii(name)} is encrypted.")
        parts = name.split("/")
        is_project = len(parts) == 3 and parts[0] == course.SOURCE_DIRECTORY
        is_rubric = len(parts) == 2 and parts[0] == course.RUBRICS_DIRECTORY
        file_name = parts[-1]
        if not (
            (is_project and PROJECT_ID.fullmatch(parts[1]) or is_rubric)
            and FILE_NAME.fullmatch(file_name)
            and (
                file_name.endswith(".yml")
                if is_rubric
                else file_name in PROJECT_FILES or file_name.endswith(DATA_SUFFIXES)
            )
        ):
            raise SharingError(
                f"refused: {ascii(name)} is not a project file (workbooks/<id>/: "
                f"{', '.join(PROJECT_FILES)}, CSVs and datasheets; rubrics/<id>.yml)."
            )
        if info.file_size > MAX_FILE_BYTES:
            raise SharingError(f"refused: {ascii(name)} has over {MAX_FILE_BYTES:,} bytes.")
        with archive.open(info) as reader:  # never more than the limit, whatever it claims
            content = reader.read(MAX_FILE_BYTES + 1)
        total += len(content)
        if len(content) > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise SharingError(f"refused: the archive unpacks to over the size limit at {name}.")
        if is_project:
            projects.add(parts[1])
            files[file_name] = content
        else:
            rubrics[file_name] = content
    if len(projects) != 1:
        raise SharingError("refused: the archive must hold exactly one project (workbooks/<id>/).")
    if course.TEXT_FILE not in files or course.METADATA_FILE not in files:
        raise SharingError(
            f"refused: the project needs {course.TEXT_FILE} and {course.METADATA_FILE}."
        )
    return projects.pop(), files, rubrics


def free_id(root: Path, project_id: str) -> str:
    base = course.SOURCE_DIRECTORY
    number = 2
    while (root / base / f"{project_id}-{number}").exists():
        number += 1
    return f"{project_id}-{number}"


def _renamed(name: str, content: bytes, old: str, new: str) -> bytes:
    """The project's own id, rewritten where a file names it (as text, keeping comments)."""
    text = content.decode("utf-8")
    if name == course.TEXT_FILE:
        text = re.sub(
            rf"""Workbook\(\s*(["']){re.escape(old)}\1\s*\)""", f'Workbook("{new}")', text
        )
    elif name == course.METADATA_FILE:
        text = re.sub(rf"^id:\s*[\"']?{re.escape(old)}[\"']?\s*$", f"id: {new}", text, flags=re.M)
    elif name == course.SOLUTIONS_FILE:
        text = re.sub(rf"^[\"']?{re.escape(old)}[\"']?:", f"{new}:", text, flags=re.M)
    return text.encode("utf-8")


def import_project(root: Path, data: bytes, new_id: str | None = None) -> Imported:
    """Write a checked archive's project into the course, build its notebook, check it."""
    original, files, rubrics = read_archive(data)
    project_id = new_id or original
    if not PROJECT_ID.fullmatch(project_id):
        raise SharingError(f"{project_id!r} is not a project id (lowercase letters, digits, -).")
    workbooks = root / course.SOURCE_DIRECTORY
    target = workbooks / project_id
    if target.exists():
        raise SharingError(
            f"a project {project_id!r} exists in this course; import it under another id.",
            suggestion=free_id(root, project_id),
        )
    rubrics_dir = root / course.RUBRICS_DIRECTORY
    new_rubrics = {}
    for name, content in rubrics.items():
        existing = rubrics_dir / name
        if existing.is_symlink() or (existing.exists() and existing.read_bytes() != content):
            raise SharingError(
                f"refused: rubrics/{name} exists in this course with other content; "
                "rename one of the two rubrics first."
            )
        if not existing.exists():
            new_rubrics[name] = content
    if project_id != original:
        try:
            files = {n: _renamed(n, c, original, project_id) for n, c in files.items()}
        except UnicodeDecodeError:
            raise SharingError("refused: a project file is not UTF-8 text.") from None
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=workbooks))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        staging.chmod(0o755)
        staging.rename(target)  # the project appears whole, or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for name, content in new_rubrics.items():
        (rubrics_dir / name).write_bytes(content)
    problems: list[str] = []
    try:
        build(target)
    except BuildError as error:
        problems.extend(f"{error.path}: {p}" for p in error.problems)
    except HandEdited as error:
        problems.append(str(error))
    if not problems:
        problems = check_assignment(target)
    return Imported(project_id, target, sorted(new_rubrics), problems)
