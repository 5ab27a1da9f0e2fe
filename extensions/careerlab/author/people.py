"""The people of each project's story: one story per project, no name shared.

A teacher who runs two projects with the same class notices when the hacked store's
owner in one is the septic patient in another. Each project declares the people its
story names in ``workbook.yml`` (``people: [Maya Torres, ...]``; the catalog checks the
field's shape). ``check_people`` is course-wide, so ``careerlab check`` runs it once:

- a name declared in two projects, or a first name declared in two projects (a
  distinctive first name stands for the person: "Rosa" is the patient);
- a declared person's full name (or "Ms. Surname") found in another project's files
  (workbook.md, workbook.yml, solutions.yml, the rubric, data files, datasheets and the
  data generator's source), and a declared first name in another project's text;
- a "First Last" pair in a project's own text whose first word is a common given name
  (``GIVEN_NAMES``, or any declared first name in the course) that its ``people:`` does
  not list: declare it or rename it.

Names are matched as whole words and case-sensitively (people's names are capitalised;
"will" or "jay" in running text is not a person), with any run of spaces or a line
break between the words, as YAML folds long lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from careerlab import course, project
from careerlab.catalog import person_name
from careerlab.course import SOLUTIONS_FILE

# Common given names, to spot a person's full name in prose: the most popular names
# of babies born in the United States in 2000-2009 (the top 50 for girls and the top 26
# for boys), from the Social Security Administration's "Popular Baby Names" by decade
# (https://www.ssa.gov/oact/babynames/decades/names2000s.html), as reprinted by
# HuffPost, "These Were The Most Popular Baby Names In The 2000s". The first names of
# every project's declared people are added to these (``given_names``).
GIVEN_NAMES = frozenset(
    """Emily Madison Emma Olivia Hannah Abigail Isabella Samantha Elizabeth Ashley Alexis
    Sarah Sophia Alyssa Grace Ava Taylor Brianna Lauren Chloe Natalie Kayla Jessica Anna
    Victoria Mia Hailey Sydney Jasmine Julia Morgan Destiny Rachel Ella Kaitlyn Megan
    Katherine Savannah Jennifer Alexandra Allison Haley Maria Kaylee Lily Makayla Brooke
    Nicole Mackenzie Addison Jacob Michael Joshua Matthew Daniel Christopher Andrew Ethan
    Joseph William Anthony David Alexander Nicholas Ryan Tyler James John Jonathan Noah
    Brandon Christian Dylan Samuel Benjamin Nathan""".split()
)
HONORIFICS = ("Mr", "Ms", "Mrs", "Mx", "Dr")
# A capitalised word as names are spelled: Min-jun, O'Neil, José (not the 's of "Kim's").
UPPER = "A-ZÀ-ÖØ-Þ"
WORD = rf"[{UPPER}][^\W\d_]*(?:-[^\W\d_]+|['’][{UPPER}][^\W\d_]*)*"
END = r"(?!\w|-\w)"  # a name ends at a space, punctuation or a possessive 's
# Every "Word Word" pair on one line, overlapping ("Hi Grace Hopper" has two).
FULL_NAME = re.compile(rf"(?<![\w.'’-])(?=({WORD})[ \t]+({WORD}){END})")
# Capitalised words that follow a given name without making a full name ("Grace Is ...").
NOT_SURNAMES = frozenset("A An And As At But By For From If In Is It Of On Or The To".split())
# The files a project's story is told in; a guide.yml is written per project too.
PROSE_FILES = (course.TEXT_FILE, course.METADATA_FILE, SOLUTIONS_FILE, course.GUIDE_FILE)


@dataclass(frozen=True)
class Story:
    """One project: the people it declares and the files its story is told in."""

    folder: Path
    people: tuple[str, ...]
    prose: tuple[Path, ...]  # where its own names are looked for
    files: tuple[Path, ...]  # every file another project's names must not appear in

    @property
    def metadata(self) -> Path:
        return self.folder / course.METADATA_FILE

    @property
    def first_names(self) -> dict[str, str]:
        """Each declared person's first name, with the full name. "Mr. Lee" has none:
        he is known by his surname only."""
        found: dict[str, str] = {}
        for name in self.people:
            words = name.split()
            plain = [word for word in words if word.rstrip(".") not in HONORIFICS]
            if plain and not (len(plain) == 1 and len(words) > 1):
                found.setdefault(plain[0], name)
        return found


def _generator_sources() -> dict[str, list[Path]]:
    """Per project id, the source files of the data generators that write its CSVs."""
    import sys

    from careerlab.author import datasets

    found: dict[str, list[Path]] = {}
    for generate, target in datasets.generators().values():
        source = getattr(sys.modules.get(generate.__module__), "__file__", None)
        if source:
            found.setdefault(Path(target).parts[0], []).append(Path(source))
    return found


def _story(folder: Path, generators: list[Path]) -> Story:
    try:
        metadata = project.read(folder)
    except project.ProjectFileError:
        metadata = None  # the catalog reports it
    data = metadata.data if metadata else None
    listed = data.get("people") if isinstance(data, dict) else None
    # Only names of the catalog's shape are used (it reports the others), and every
    # name is escaped before it becomes part of a pattern.
    names = (person_name(name) for name in (listed if isinstance(listed, list) else []))
    people = tuple(dict.fromkeys(name for name in names if name))
    prose = tuple(p for p in (folder / name for name in PROSE_FILES) if p.is_file())
    data_files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".json", ".yml"))
    rubric = metadata.rubric if metadata else None
    shared = folder.parent.parent / course.RUBRICS_DIRECTORY / f"{rubric}.yml"
    rubrics = [shared] if rubric and shared.is_file() else []
    files = tuple(dict.fromkeys([*prose, *data_files, *rubrics, *generators]))
    return Story(folder, people, prose, files)


def _pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in name.split()]
    return re.compile(r"(?<![\w'’-])" + r"\s+".join(words) + END)


def _formal_pattern(name: str) -> re.Pattern[str] | None:
    """ "Ms. Delgado" for Rosa Delgado: the same person, named the formal way."""
    words = name.split()
    if len(words) < 2:
        return None
    honorific = "|".join(HONORIFICS)
    return re.compile(rf"(?<!\w)(?:{honorific})\.?\s+{re.escape(words[-1])}{END}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # a file that cannot be read is reported by the check that reads it


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def given_names(stories: list[Story]) -> frozenset[str]:
    return GIVEN_NAMES | {first for story in stories for first in story.first_names}


def _declared_twice(stories: list[Story]) -> list[str]:
    problems: list[str] = []
    for number, story in enumerate(stories):
        for other in stories[number + 1 :]:
            for name in story.people:
                if name in other.people:
                    problems.append(
                        f"{story.metadata}: people: {name!r} is also a person in "
                        f"{other.metadata}. Rename one of them: each story has its own people."
                    )
            mine, theirs = story.first_names, other.first_names
            for first in sorted(set(mine) & set(theirs)):
                if mine[first] != theirs[first]:
                    problems.append(
                        f"{story.metadata}: people: {mine[first]!r} and {theirs[first]!r} of "
                        f"{other.metadata} share the first name {first!r}. Give one of them "
                        "another name."
                    )
    return problems


def _named_elsewhere(stories: list[Story], texts: dict[Path, str]) -> list[str]:
    problems: list[str] = []
    for story in stories:
        firsts = {full: first for first, full in story.first_names.items()}
        for name in story.people:
            checks = [(_pattern(name), "files")]
            formal = _formal_pattern(name)
            if formal:
                checks.append((formal, "files"))
            if name in firsts and firsts[name] != name:
                checks.append((_pattern(firsts[name]), "prose"))
            for other in stories:
                if other is story or name in other.people or firsts.get(name) in other.first_names:
                    continue  # the same story, or a name declared twice: said once, above
                for pattern, scope in checks:
                    for path in other.files if scope == "files" else other.prose:
                        match = None if path in story.files else pattern.search(texts[path])
                        if match:
                            said = " ".join(match.group(0).split())
                            problems.append(
                                f"{path}: line {_line(texts[path], match.start())}: {said!r} "
                                f"names a person of another story ({name!r} in "
                                f"{story.metadata}). Rename one of them."
                            )
    return problems


def _undeclared(stories: list[Story], texts: dict[Path, str]) -> list[str]:
    problems: list[str] = []
    given = given_names(stories)
    for story in stories:
        # Every pair of words in a declared name: "Lena Park" of "Dr. Lena Park".
        known = {
            (words[i], words[i + 1])
            for words in (name.split() for name in story.people)
            for i in range(len(words) - 1)
        }
        seen: set[str] = set()
        for path in story.prose:
            text = texts[path]
            for match in FULL_NAME.finditer(text):
                first, last = match.group(1), match.group(2)
                name = f"{first} {last}"
                if first not in given or last in NOT_SURNAMES or (first, last) in known:
                    continue
                if name not in seen:
                    seen.add(name)
                    problems.append(
                        f"{path}: line {_line(text, match.start())}: {name!r} looks like a "
                        f"person's name, and people: in {story.metadata} does not list it. "
                        "Declare it or rename it."
                    )
    return problems


def check_people(root: Path) -> list[str]:
    """Every problem with the names of people across the course's projects."""
    generators = _generator_sources()
    stories = [_story(f, generators.get(f.name, [])) for f in course.assignments(root)]
    texts = {path: _read(path) for story in stories for path in story.files}
    return [
        *_declared_twice(stories),
        *_named_elsewhere(stories, texts),
        *_undeclared(stories, texts),
    ]
