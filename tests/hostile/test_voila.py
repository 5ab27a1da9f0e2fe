"""Voila runs no student's notebook: a link a teacher clicks is refused with 403.

A real Jupyter server with the course's configuration. A notebook in every folder
a student's work lands in would write a marker file if Voila ran it; each render
and tree request for those is refused and no marker appears. CareerLab's own
catalog page still renders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from ..conftest import REPO, make_course
from ..servers import jupyter_lab

FOLDERS = ["submitted/bob/first-paycheck", "autograded/bob/first-paycheck", "feedback/bob/x",
           "workbooks/first-paycheck", "release/first-paycheck", "tryout/first-paycheck",
           "exchange/careerlab/inbound/bob+x", "extensions/careerlab/catalog/student"]  # fmt: skip
CATALOG = "extensions/careerlab/catalog/catalog.ipynb"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("voila") / "course")
    shutil.copytree(REPO / "extensions" / "careerlab" / "catalog", root / Path(CATALOG).parent)
    markers = {}
    for folder in FOLDERS:
        marker = root.parent / "ran" / folder.replace("/", "_")
        notebook = nbformat.v4.new_notebook()
        code = f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')"
        notebook.cells.append(nbformat.v4.new_code_cell(code))
        (root / folder).mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, root / folder / "evil.ipynb")
        (root / folder / "evil.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
        markers[folder] = marker
    (root.parent / "ran").mkdir()
    with jupyter_lab(root, root, root.parent / "state") as running:
        yield running, markers


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_students_notebook_is_refused_and_never_runs(server, folder):
    running, markers = server
    for path in (
        f"/voila/render/{folder}/evil.ipynb",
        f"/voila/render/extensions/careerlab/catalog/../../../{folder}/evil.ipynb",
        f"/voila/render//{folder}/evil.ipynb",
    ):
        status, page = running.get(path)
        assert status in (403, 404), (path, status, page[:300])
        assert not markers[folder].exists(), path
    status, page = running.get(f"/voila/render/{folder}/evil.ipynb")
    assert status == 403 and "only CareerLab" in page, page[:500]
    assert running.get(f"/voila/tree/{folder}")[0] == 403
    # /voila/files/ needs no login and would serve an SVG at the server's origin.
    assert running.get(f"/voila/files/{folder}/evil.svg")[0] in (403, 404)


def test_the_catalog_still_renders(server):
    running, _ = server
    status, page = running.get(f"/voila/render/{CATALOG}")
    assert status == 200, page[:500]
    assert "careerlab" in page.lower()
    for folder in ("", "extensions/careerlab", "extensions/careerlab/catalog"):
        assert running.get(f"/voila/tree/{folder}")[0] == 200, folder
