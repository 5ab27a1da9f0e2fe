"""docs/reference.md is what the code generates, and the guides name only files that exist.

The lists an author chooses from (clusters, sub-clusters, skills, task kinds,
products) are owned by the code that checks them; the reference is written from
that code by ``python -m careerlab.author.reference``, so it cannot drift unnoticed.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from careerlab.author import reference, task_blocks
from careerlab.catalog import CLUSTERS, GRADE_BANDS, STAGES, SUBJECTS
from careerlab.rubrics.format import SKILLS
from careerlab.workbook.products import all_products
from careerlab.workbook.tasks import kinds

from .conftest import REPO

COMMITTED = REPO / reference.REFERENCE
GUIDES = ["README.md", "docs/authoring.md", "docs/reference.md"]
# A path the guides name in backticks: under one of the repository's folders.
PATH = re.compile(r"`((?:careerlab|extensions|tests|docs|rubrics|workbooks)/[\w./-]*)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# A link to a heading: (file.md#anchor) or (#anchor) on the same page.
ANCHOR = re.compile(r"\]\(([^)#\s]*\.md|)#([^)\s]+)\)")


def test_the_committed_reference_is_what_the_code_generates():
    assert COMMITTED.read_text(encoding="utf-8") == reference.render(), (
        f"{COMMITTED} differs from what the code generates: run `{reference.COMMAND}` "
        "from the repository and commit the result."
    )


def test_every_value_the_code_owns_is_listed():
    text = reference.render()
    expected = [*CLUSTERS, *(s for subs in CLUSTERS.values() for s in subs)]
    expected += [f"`{v}`" for v in (*GRADE_BANDS, *STAGES, *SUBJECTS, *SKILLS)]
    for kind in kinds():
        expected.append(f"| `{kind}` |")
    for product in all_products().values():
        expected.append(f"**`{product.id}`: {product.name}**")
        expected += [f"| `{part.id}` | {part.label} |" for part in product.parts]
    missing = [value for value in expected if value not in text]
    assert missing == []


def test_a_change_in_the_code_changes_the_reference(monkeypatch):
    # The lists are read when the reference is written, not copied: a new cluster or
    # skill in the code makes the committed file stale, so the first test fails.
    monkeypatch.setitem(CLUSTERS, "Space Exploration", ("Orbital Operations",))
    monkeypatch.setitem(SKILLS, "nace:curiosity", "Curiosity")
    text = reference.render()
    assert "| Space Exploration | Orbital Operations |" in text
    assert "| `nace:curiosity` | Curiosity |" in text
    assert text != COMMITTED.read_text(encoding="utf-8")


def task_rows(text: str) -> dict[str, str]:
    """The Task kinds table's rows, by kind."""
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(\w+)` \|.*$", text, re.MULTILINE)
        if match.group(1) in kinds()
    }


def test_each_kind_shows_the_fields_an_author_writes_in_its_task_block():
    # What an author writes now is a ```{task} <kind> block, not a wb.<kind>(...) call:
    # each row names the kind's own fields (with their defaults) and its answer key's.
    rows = task_rows(reference.render())
    assert sorted(rows) == sorted(kinds())
    for kind, row in rows.items():
        assert f"`wb.{kinds()[kind].method}(" not in row and "`wb.grade(" not in row, row
        for name, parameter in task_blocks.kind_fields(kind).items():
            given = parameter.default is parameter.empty
            assert (f"`{name}: …`" in row) if given else (f"`{name}: " in row), (name, row)
        first, *others = task_blocks.key_fields(kind)
        assert f"`answer: …` (the `{first}`)" in row, row
        assert all(f"{name}: " in row for name in others), row


def test_a_new_field_of_a_kind_changes_the_reference(monkeypatch):
    # The fields are read from the kind's code when the reference is written.
    fields = task_blocks.kind_fields

    def with_shuffle(kind: str) -> dict:
        found = dict(fields(kind))
        if kind == "choice":
            found["shuffle"] = inspect.Parameter(
                "shuffle", inspect.Parameter.KEYWORD_ONLY, default=False
            )
        return found

    monkeypatch.setattr(task_blocks, "kind_fields", with_shuffle)
    assert "`shuffle: false`" in task_rows(reference.render())["choice"]


def wrong_names(guide: Path) -> list[str]:
    """Paths and links in a guide that name no file or folder of the repository."""
    text = guide.read_text(encoding="utf-8")
    wrong = []
    for name in PATH.findall(text):
        # `careerlab/...` is the package's own path, as the guides write it.
        path = REPO / "extensions" / name if name.startswith("careerlab/") else REPO / name
        if not path.exists():
            wrong.append(name)
    for link in LINK.findall(text):
        if "://" not in link and not (guide.parent / link).exists():
            wrong.append(link)
    return wrong


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings (headings in fenced code are not)."""
    found, fence = set(), ""
    for line in page.read_text(encoding="utf-8").splitlines():
        opening = re.match(r"(`{3,})", line)
        if fence and line.strip() == fence:
            fence = ""
        elif not fence and opening:
            fence = opening.group(1)
        elif not fence and (heading := re.match(r"#{1,6} (.+)", line)):
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            found.add(slug.replace(" ", "-"))
    return found


def test_the_guides_link_only_to_headings_that_exist():
    wrong = []
    for guide in GUIDES:
        path = REPO / guide
        for target, anchor in ANCHOR.findall(path.read_text(encoding="utf-8")):
            page = (path.parent / target) if target else path
            if page.exists() and anchor not in anchors(page):
                wrong.append(f"{guide}: {target}#{anchor}")
    assert wrong == []


def test_the_guides_name_only_files_that_exist():
    assert {guide: wrong_names(REPO / guide) for guide in GUIDES} == {g: [] for g in GUIDES}


def test_the_guides_link_the_reference():
    assert "(docs/reference.md)" in (REPO / "README.md").read_text(encoding="utf-8")
    assert "(reference.md" in (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
