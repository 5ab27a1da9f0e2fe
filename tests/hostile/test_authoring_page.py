"""The authoring page under attack: markup in a project's text, hostile project files,
saves that change locked ids, requests without the XSRF token or the teacher's login,
and a student's server, which must not serve the page at all."""

from __future__ import annotations

import http.cookiejar
import io
import shutil
import stat
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup

from careerlab.author import sharing
from careerlab.hub.config import write_student_files

from ..conftest import make_course
from ..servers import Server, call_api, jupyter_lab

API = "/careerlab/api/author"
SCRIPT = "<script>alert('x')</script>"
IMAGE = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = make_course(tmp_path_factory.mktemp("authoring-hostile") / "course")
    source = root / "workbooks" / "first-paycheck" / "workbook.md"
    text = source.read_text()
    text = text.replace("prompt: Pick the best answer.", f'prompt: "Pick {SCRIPT}"')
    text = text.replace("yearly: The pay", f"yearly: '{IMAGE} The pay")
    text = text.replace("in a whole year", "in a whole year'", 1)
    text = text.replace("# Your First Paycheck", f"# Your First Paycheck {SCRIPT} {IMAGE}")
    source.write_text(text)
    rubric = root / "rubrics" / "coffee-site.yml"
    anchor = "beginning: Most numbers are missing"
    assert anchor in rubric.read_text()  # or the hostile text would silently not be there
    rubric.write_text(
        rubric.read_text().replace(anchor, f"beginning: {SCRIPT} Most numbers are missing")
    )
    with jupyter_lab(root, root, tmp_path_factory.mktemp("state")) as running:
        yield running


def assert_inert(html: str) -> None:
    """No element the author's text made runs anything: no script but the page's own
    two (its JSON data and authoring.js), no event handler, no image from elsewhere."""
    soup = BeautifulSoup(html, "html.parser")
    scripts = soup.find_all("script")
    assert all(s.get("type") == "application/json" or s.get("src") for s in scripts), scripts
    assert len(scripts) <= 2
    for element in soup.find_all(True):
        assert not [a for a in element.attrs if a.lower().startswith("on")], element
        if element.name == "img":
            assert str(element.get("src", "data:image/")).startswith("data:image/"), element


def test_markup_in_the_text_is_shown_escaped_in_the_page_and_previews(server):
    status, page = server.get("/careerlab/author/first-paycheck")
    assert status == 200
    # The page's own script tags are the only ones; the author's markup is text.
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert_inert(page)
    status, coffee = server.get("/careerlab/author/coffee-site")
    assert status == 200 and "&lt;script&gt;alert" in coffee
    assert_inert(coffee)
    status, preview = call_api(
        server, "POST", f"{API}-preview", {"markdown": f"# Hi {SCRIPT} {IMAGE} [x](javascript:1)"}
    )
    assert status == 200
    assert_inert(preview["html"])
    assert "javascript:" not in preview["html"]
    part = {
        "kind": "choice",
        "fields": [["id", "text", "a"], ["title", "text", SCRIPT], ["prompt", "text", IMAGE],
                   ["hint", "text", SCRIPT]],
        "options": [["k", SCRIPT]],
    }  # fmt: skip
    status, preview = call_api(server, "POST", f"{API}-preview", {"part": part})
    assert status == 200 and "&lt;script&gt;" in preview["html"]
    assert_inert(preview["html"])


def test_a_save_that_renames_a_locked_id_is_refused_by_the_server(server):
    (server.root / "release" / "first-paycheck").mkdir(exist_ok=True)
    status, loaded = call_api(server, "GET", f"{API}/first-paycheck")
    assert status == 200 and loaded["released"]
    for part in loaded["parts"]:
        if part["type"] == "task" and part["fields"][0][2] == "net-pay":
            part["fields"][0][2] = "net-pay-renamed"  # the page shows it read-only; not trusted
    body = {"version": loaded["version"], "base": loaded["text"], "parts": loaded["parts"]}
    status, refused = call_api(server, "PUT", f"{API}/first-paycheck", body)
    assert status == 409 and refused["locked"]
    assert refused["problems"][0]["where"] == "tasks.net-pay.id"
    source = (server.root / "workbooks" / "first-paycheck" / "workbook.md").read_text()
    assert "net-pay-renamed" not in source


def test_no_xsrf_token_no_login_no_write(server):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    # Without the teacher's login: the API refuses, the page sends to the login page.
    with pytest.raises(urllib.error.HTTPError) as denied:
        opener.open(f"{server.url}{API}/first-paycheck", timeout=30)
    assert denied.value.code in (401, 403)
    with opener.open(f"{server.url}/careerlab/author/first-paycheck", timeout=30) as response:
        assert (
            "/login" in response.url and "careerlab-authoring-data" not in response.read().decode()
        )
    # Logged in by cookie (as a browser is), but without the XSRF token: refused.
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    browser.open(f"{server.url}/careerlab/author?token={server.token}", timeout=30).read()
    assert any(cookie.name.startswith("username-") for cookie in jar)
    for method, path in (("PUT", "/first-paycheck"), ("POST", "/first-paycheck/release")):
        request = urllib.request.Request(
            f"{server.url}{API}{path}", method=method, data=b"{}",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as denied:
            browser.open(request, timeout=30)
        assert denied.value.code == 403, (method, path)
    request = urllib.request.Request(
        f"{server.url}{API}-import", method="POST", data=sharing.export(server.root, "coffee-site")
    )
    with pytest.raises(urllib.error.HTTPError) as denied:
        browser.open(request, timeout=30)
    assert denied.value.code == 403


# --- Hostile project files --------------------------------------------------------------
def _zip(members: list[tuple[str, bytes]], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


GOOD = [
    ("workbooks/evil/workbook.md", b"+++\nhello\n"),
    ("workbooks/evil/workbook.yml", b"id: evil\n"),
]
HOSTILE = {
    "dot-dot": [*GOOD, ("workbooks/evil/../../../escaped.csv", b"a\n")],
    "absolute": [*GOOD, ("/tmp/escaped.csv", b"a\n")],
    "outside the layout": [*GOOD, ("jupyter_config.py", b"import os\n")],
    "a notebook": [*GOOD, ("workbooks/evil/evil.ipynb", b"{}")],
    "two projects": [*GOOD, ("workbooks/other/workbook.md", b"x")],
    "too many": [*GOOD, *((f"workbooks/evil/d{i}.csv", b"a\n") for i in range(120))],
    "bomb": [*GOOD, ("workbooks/evil/big.csv", b"0" * (sharing.MAX_FILE_BYTES + 10))],
}


@pytest.mark.parametrize("case", [*HOSTILE, "symlink", "not a zip"])
def test_a_hostile_project_file_is_refused_and_nothing_is_written(tmp_path, case):
    root = make_course(tmp_path / "course")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    if case == "symlink":
        data = _zip(GOOD, link="workbooks/evil/data.csv")
    elif case == "not a zip":
        data = b"PK\x03\x04 not really"
    else:
        data = _zip(HOSTILE[case])
    if case == "bomb":
        assert len(data) < 100_000  # a small file that inflates past the limit
    with pytest.raises(sharing.SharingError) as refused:
        sharing.import_project(root, data)
    assert "refused" in str(refused.value) or "not a CareerLab" in str(refused.value)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert not (tmp_path / "escaped.csv").exists()


def test_an_import_never_overwrites_a_rubric_with_other_content(tmp_path):
    root = make_course(tmp_path / "course")
    data = sharing.export(root, "coffee-site")
    rubric = root / "rubrics" / "coffee-site.yml"
    rubric.write_text(rubric.read_text() + "# this school's own change\n")
    with pytest.raises(sharing.SharingError, match="rubrics/coffee-site.yml exists"):
        sharing.import_project(root, data, "coffee-elsewhere")
    assert not (root / "workbooks" / "coffee-elsewhere").exists()
    assert rubric.read_text().endswith("# this school's own change\n")


# --- A student's server -----------------------------------------------------------------
def test_a_students_server_does_not_serve_the_page(tmp_path):
    """A student's server reads the hub's student configuration, never the course's
    jupyter_config.py: neither the authoring page nor its API exists there."""
    etc = tmp_path / "etc"
    write_student_files(etc, "http://127.0.0.1:9/")
    home = tmp_path / "home"
    (home / "workbooks" / "first-paycheck").mkdir(parents=True)  # even beside a project
    shutil.copy(make_course(tmp_path / "course") / "jupyter_config.py", home / "x.py")
    with jupyter_lab(etc, home, tmp_path / "state") as student:
        assert student.get("/careerlab/author")[0] == 404
        assert student.get(f"{API}/first-paycheck")[0] == 404
        log = student.log.read_text(errors="replace")
    assert "CareerLab authoring page at" not in log
