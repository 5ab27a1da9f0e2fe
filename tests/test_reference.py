"""docs/reference.md is what the code generates, and the guides name only files that exist.

The lists an author chooses from (clusters, sub-clusters, skills, task kinds,
products) are owned by the code that checks them; the reference is written from
that code by ``python -m careerlab.author.reference``, so it cannot drift unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

from careerlab.author import reference
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


def test_the_committed_reference_is_what_the_code_generates():
    assert COMMITTED.read_text(encoding="utf-8") == reference.render(), (
        f"{COMMITTED} differs from what the code generates: run `{reference.COMMAND}` "
        "from the repository and commit the result."
    )


def test_every_value_the_code_owns_is_listed():
    text = reference.render()
    expected = [*CLUSTERS, *(s for subs in CLUSTERS.values() for s in subs)]
    expected += [f"`{v}`" for v in (*GRADE_BANDS, *STAGES, *SUBJECTS, *SKILLS)]
    for kind, task in kinds().items():
        expected += [f"| `{kind}` |", f"`wb.{task.method}("]
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


def test_the_guides_name_only_files_that_exist():
    assert {guide: wrong_names(REPO / guide) for guide in GUIDES} == {g: [] for g in GUIDES}


def test_the_guides_link_the_reference():
    assert "(docs/reference.md)" in (REPO / "README.md").read_text(encoding="utf-8")
    assert "(reference.md" in (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
