"""The CareerLab exchange on a real JupyterHub: each person sees and changes only what
their course role allows, the server's clock dates submissions, and unsafe uploads are
refused with nothing stored.

Every call is made with that person's own hub token (minted through the hub API);
the nbgrader commands are the real CLIs with the exchange plugin configured.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
import urllib.error
from pathlib import Path

import pytest

from careerlab.exchange.archive import ArchiveError, pack, unpack
from careerlab.exchange.files import SizeLimits
from careerlab.exchange.hub import ExchangeError
from careerlab.exchange.service import KEY_PATTERN, TIMESTAMP_FORMAT

from ..conftest import BIN
from .exchange_hub import SERVER_TOKEN_SCOPES, Hub, nbgrader_config, running_hub

ANA, BEN, CY, DAVE, T1 = "ana.lee@school.org", "ben", "cy", "dave", "t1"
COURSE = "cte-101"
FORGED = "2000-01-01 00:00:00.000000 UTC"


def notebook(text: str, *code: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text}]
    for source in code:  # read-only cells, as a released workbook's set-up
        meta = {"nbgrader": {"locked": True, "grade": False, "solution": False}}
        cells.append({"cell_type": "code", "metadata": meta, "source": source, "outputs": []})
        cells[-1]["execution_count"] = None
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# ana's ps1 is a workbook of two tasks; she answered one.
WORKBOOK = (
    "from careerlab.workbook.book import Workbook\n"
    "wb = Workbook('ps1')\n"
    "wb.short_text('name', 'Your name', 'Write your name.')\n"
    "wb.short_text('city', 'Your city', 'Write your city.')"
)
ANA_ANSWERS = {"name": {"kind": "short_text", "value": "Ana", "saved": "2026-12-01T10:00:00Z"}}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory):
    with running_hub(tmp_path_factory.mktemp("hub")) as running:
        for person in (T1, ANA, BEN, CY):
            running.tokens[person] = running.mint(person, SERVER_TOKEN_SCOPES)
        running.tokens["no-scope"] = running.mint(BEN, ["users:activity!user"])
        yield running


def run_nbgrader(hub: Hub, token: str, cwd: Path, *args: str, check: bool = True):
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=cwd,
        env=hub.env(token),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result


def store_state(hub: Hub) -> dict[str, tuple[int, str]]:
    """Every path in the exchange's store with its mode and content hash."""
    state = {}
    for path in sorted(hub.store.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        state[str(path.relative_to(hub.store))] = (info.st_mode, digest)
    return state


def step(hub: Hub, token: str, cwd: Path, name: str, assignment: str = "", **traits):
    """One exchange step in this process, as the plugin runs inside that person's server
    (the nbgrader CLI costs seconds of imports per call; a few steps below use it)."""
    from nbgrader.coursedir import CourseDirectory

    from careerlab.exchange import hub as plugin

    with pytest.MonkeyPatch.context() as patch:
        for key in ("JUPYTERHUB_API_TOKEN", "CAREERLAB_EXCHANGE_URL", "JUPYTER_DATA_DIR"):
            patch.setenv(key, hub.env(token)[key])
        patch.chdir(cwd)
        course = traits.pop("course", COURSE)
        coursedir = CourseDirectory(root=str(cwd), course_id=course, assignment_id=assignment)
        return getattr(plugin, name)(coursedir=coursedir, **traits).start()


@pytest.fixture(scope="module")
def flow(hub: Hub, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The whole round trip, each step by the person who does it in class."""
    base = tmp_path_factory.mktemp("people")
    teacher = base / "teacher"
    (teacher / "release" / "ps1").mkdir(parents=True)
    (teacher / "nbgrader_config.py").write_text(nbgrader_config(COURSE))
    (teacher / "release" / "ps1" / "ps1.ipynb").write_text(notebook("Answer here"))
    (teacher / "release" / "ps1" / "data.csv").write_text("a,b\n1,2\n")
    homes = {}
    for person in (ANA, BEN, CY):
        homes[person] = base / person.split("@")[0]
        homes[person].mkdir()
        (homes[person] / "nbgrader_config.py").write_text(nbgrader_config())
    out: dict[str, object] = {"teacher": teacher, "homes": homes}

    run_nbgrader(hub, hub.tokens[T1], teacher, "release_assignment", "ps1")
    out["list_ana"] = step(hub, hub.tokens[ANA], homes[ANA], "ExchangeList", course="")
    out["list_cy"] = step(hub, hub.tokens[CY], homes[CY], "ExchangeList", course="")
    for person in (ANA, BEN):
        step(hub, hub.tokens[person], homes[person], "ExchangeFetchAssignment", "ps1")
        answer = homes[person] / "ps1" / "ps1.ipynb"
        answer.write_text(notebook(f"work of {person}"))
    (homes[ANA] / "ps1" / "timestamp.txt").write_text(FORGED)  # ana dates her work early
    (homes[ANA] / "ps1" / "ps1.ipynb").write_text(notebook(f"work of {ANA}", WORKBOOK))
    answers = {"schema": 1, "workbook": "ps1", "answers": ANA_ANSWERS}
    (homes[ANA] / "ps1" / "ps1.answers.json").write_text(json.dumps(answers))
    out["before_submit"] = datetime.datetime.now(datetime.UTC)
    out["submit_ana"] = run_nbgrader(
        hub, hub.tokens[ANA], homes[ANA], "submit", "ps1", "--course", COURSE
    ).stderr
    step(hub, hub.tokens[BEN], homes[BEN], "ExchangeSubmit", "ps1")
    out["after_submit"] = datetime.datetime.now(datetime.UTC)
    out["inbound_ana"] = run_nbgrader(
        hub, hub.tokens[ANA], homes[ANA], "list", "--inbound", "--course", COURSE
    ).stderr
    # The course's formgrader (hub service cte-101) collects with its own token.
    run_nbgrader(hub, hub.service_tokens[COURSE], teacher, "collect", "ps1")
    for person in (ANA, BEN):  # what generate_feedback leaves: html + the timestamp
        feedback = teacher / "feedback" / person / "ps1"
        feedback.mkdir(parents=True)
        submitted = teacher / "submitted" / person / "ps1"
        (feedback / "timestamp.txt").write_text((submitted / "timestamp.txt").read_text())
        (feedback / "ps1.html").write_text(f"<p>feedback for {person}</p>")
    run_nbgrader(hub, hub.tokens[T1], teacher, "release_feedback", "ps1")
    run_nbgrader(hub, hub.tokens[ANA], homes[ANA], "fetch_feedback", "ps1", "--course", COURSE)
    out["cached_ana_after"] = step(hub, hub.tokens[ANA], homes[ANA], "ExchangeList", cached=True)
    return out


# The round trip ---------------------------------------------------------------


def test_students_list_and_fetch_only_their_courses(flow):
    assert [(a["course_id"], a["assignment_id"], a["status"]) for a in flow["list_ana"]] == [
        (COURSE, "ps1", "released")
    ]
    assert [nb["notebook_id"] for nb in flow["list_ana"][0]["notebooks"]] == ["ps1"]
    assert flow["list_cy"] == []  # cy is in bio-201 only
    fetched = flow["homes"][ANA] / "ps1"
    assert json.loads((fetched / "ps1.ipynb").read_text())["nbformat"] == 4
    assert (fetched / "data.csv").read_text() == "a,b\n1,2\n"


def test_collect_gets_every_submission_with_the_servers_time(flow):
    teacher = flow["teacher"]
    for person in (ANA, BEN):
        submitted = teacher / "submitted" / person / "ps1"
        assert f"work of {person}" in (submitted / "ps1.ipynb").read_text()
        stamp = (submitted / "timestamp.txt").read_text()
        moment = datetime.datetime.strptime(stamp, TIMESTAMP_FORMAT).replace(tzinfo=datetime.UTC)
        # The server's clock: between the test's own readings, never ana's forged date.
        assert flow["before_submit"] <= moment <= flow["after_submit"], (person, stamp)


def test_a_student_lists_only_their_own_submissions(flow):
    assert "cte-101 ana.lee@school.org ps1" in flow["inbound_ana"]
    assert " ben " not in flow["inbound_ana"]


def test_feedback_reaches_only_its_student(flow):
    folders = list((flow["homes"][ANA] / "ps1" / "feedback").iterdir())
    assert len(folders) == 1
    assert (folders[0] / "ps1.html").read_text() == f"<p>feedback for {ANA}</p>"


def test_the_listing_has_nbgraders_keys_and_feedback_state(flow):
    """What JupyterLab's Assignment List panel reads from ExchangeList."""
    [mine] = flow["cached_ana_after"]
    assert (mine["course_id"], mine["student_id"], mine["status"]) == (COURSE, ANA, "submitted")
    [submission] = mine["submissions"]
    assert submission["has_exchange_feedback"] and submission["has_local_feedback"]
    assert not submission["feedback_updated"]
    # Feedback stays under the raw timestamp; the field shows the receipt (next test).
    assert submission["local_feedback_path"].endswith(submission["timestamp"].raw)
    assert submission["notebooks"][0]["notebook_id"] == "ps1"


def test_a_student_reads_what_was_submitted_and_when(flow):
    """The receipt made in ana's server at submit time: in the terminal, then in the list
    (the Assignment List shows this field as text, oldest first)."""
    receipt = "ps1.ipynb (1 of 2 tasks answered)"
    lines = [line for line in flow["submit_ana"].splitlines() if "Turned in " in line]
    assert len(lines) == 1 and lines[0].endswith(receipt), flow["submit_ana"]
    [submission] = flow["cached_ana_after"][0]["submissions"]
    shown = json.loads(json.dumps(submission["timestamp"]))
    assert shown.startswith("Turned in ") and shown.endswith(f": {receipt}"), shown
    assert lines[0].endswith(shown)


# Refusals: each leaves the store as it was --------------------------------------


def submission_key(hub: Hub, student: str) -> str:
    status, body = hub.call("GET", f"submissions/{COURSE}", token=hub.tokens[student])
    assert status == 200
    return [r for r in json.loads(body) if r["student_id"] == student][0]["key"]


def test_a_student_cannot_list_or_download_anothers_work(hub, flow):
    before = store_state(hub)
    status, body = hub.call("GET", f"submissions/{COURSE}", token=hub.tokens[ANA])
    assert status == 200 and {r["student_id"] for r in json.loads(body)} == {ANA}
    status, _ = hub.call("GET", f"submissions/{COURSE}?student=ben", token=hub.tokens[ANA])
    assert status == 403
    ben_key = submission_key(hub, BEN)
    for path in (f"submissions/{COURSE}/ps1/ben/{ben_key}", f"feedback/{COURSE}/ps1/ben/{ben_key}"):
        status, body = hub.call("GET", path, token=hub.tokens[ANA])
        assert status == 403, (path, body)
    assert store_state(hub) == before


@pytest.mark.parametrize(
    "path",
    [
        "submissions/cte-101/..%2fben",
        "submissions/cte-101/ben%2f..%2fx",
        "submissions/cte-101/%2e%2e",
        "submissions/%2e%2e/ps1",
        "submissions/cte-101/ps1/..%2fben/20260101T000000.000000Z",
        "submissions/cte-101/ps1/ben/..%2f..%2f..%2fcourse",
        "assignments/cte-101/..%2f..%2fx",
    ],
)
def test_path_tricks_in_ids_are_refused(hub, flow, path):
    before = store_state(hub)
    upload = pack(flow["homes"][ANA] / "ps1", limits=SizeLimits(10**6, 10**7))
    for method, body in (("POST", upload), ("GET", None), ("PUT", upload)):
        status, reply = hub.call(method, path, token=hub.tokens[ANA], body=body)
        assert status in (400, 403, 404, 405), (method, path, status, reply)
    assert store_state(hub) == before


def test_a_submission_is_stored_under_its_senders_name_only(hub, flow):
    ben_before = {k: v for k, v in store_state(hub).items() if "/ben/" in f"/{k}"}
    upload = pack(flow["homes"][ANA] / "ps1", limits=SizeLimits(10**6, 10**7))
    status, body = hub.call("POST", f"submissions/{COURSE}/ps1", token=hub.tokens[ANA], body=upload)
    assert status == 201 and json.loads(body)["student_id"] == ANA
    assert {k: v for k, v in store_state(hub).items() if "/ben/" in f"/{k}"} == ben_before


def test_a_student_of_another_course_sees_nothing_of_this_one(hub, flow):
    before = store_state(hub)
    token = hub.tokens[CY]
    status, body = hub.call("GET", f"assignments?course={COURSE}", token=token)
    assert (status, json.loads(body)) == (200, [])
    for path in (f"assignments/{COURSE}/ps1", f"submissions/{COURSE}"):
        status, _ = hub.call("GET", path, token=token)
        assert status == 403, path
    status, _ = hub.call("POST", f"submissions/{COURSE}/ps1", token=token, body=b"x")
    assert status == 403
    with pytest.raises(ExchangeError, match="403"):
        step(hub, token, flow["homes"][CY], "ExchangeFetchAssignment", "ps1")
    assert not (flow["homes"][CY] / "ps1").exists()
    assert store_state(hub) == before


def test_the_hub_gives_no_access_token_to_someone_in_no_course(hub):
    # hub_roles grants the access scope to course groups only: dave cannot hold it.
    with pytest.raises(urllib.error.HTTPError) as refused:
        hub.mint(DAVE, SERVER_TOKEN_SCOPES)
    assert refused.value.code == 400


def test_students_cannot_release_collect_or_give_feedback(hub, flow):
    before = store_state(hub)
    upload = pack(flow["homes"][ANA] / "ps1", limits=SizeLimits(10**6, 10**7))
    ben_key = submission_key(hub, BEN)
    token = hub.tokens[ANA]
    for method, path, body in [
        ("PUT", f"assignments/{COURSE}/ps1?force=1", upload),
        ("PUT", f"assignments/{COURSE}/ps2", upload),
        ("DELETE", f"assignments/{COURSE}/ps1", None),
        ("GET", f"submissions/{COURSE}?student=ben", None),
        ("PUT", f"feedback/{COURSE}/ps1/ben/{ben_key}", upload),
        ("PUT", f"feedback/{COURSE}/ps1/{ANA}/{submission_key(hub, ANA)}", upload),
    ]:
        status, reply = hub.call(method, path, token=token, body=body)
        assert status == 403, (method, path, status, reply)
    with pytest.raises(ExchangeError, match="403"):
        step(hub, token, flow["teacher"], "ExchangeCollect", "ps1", update=True)
    assert store_state(hub) == before


@pytest.mark.parametrize("who", ["none", "garbage", "no-scope"])
def test_requests_without_a_valid_scoped_token_are_refused(hub, flow, who):
    before = store_state(hub)
    token = {"none": None, "garbage": "0" * 32, "no-scope": hub.tokens["no-scope"]}[who]
    upload = pack(flow["homes"][ANA] / "ps1", limits=SizeLimits(10**6, 10**7))
    for method, path, body in [
        ("GET", "courses", None),
        ("GET", f"assignments/{COURSE}/ps1", None),
        ("GET", f"submissions/{COURSE}", None),
        ("POST", f"submissions/{COURSE}/ps1", upload),
    ]:
        status, reply = hub.call(method, path, token=token, body=body)
        assert status == 403, (who, method, path, status, reply)
        assert "message" in json.loads(reply)
    assert store_state(hub) == before


def tar_gz(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, len(data), link
    return info, data if kind == tarfile.REGTYPE else None


OK = member("ps1.ipynb", notebook("fine").encode())
HOSTILE_UPLOADS = {
    "symlink": [OK, member("answers.json", kind=tarfile.SYMTYPE, link="../../ben/ps1")],
    "hardlink": [OK, member("copy", kind=tarfile.LNKTYPE, link="/etc/shadow")],
    "fifo": [OK, member("pipe", kind=tarfile.FIFOTYPE)],
    "device": [OK, member("zero", kind=tarfile.CHRTYPE)],
    "absolute": [OK, member("/tmp/owned", b"x")],
    "dotdot": [OK, member("../../ben/ps1/x.tar.gz", b"x")],
    "inner dotdot": [OK, member("a/../../x", b"x")],
    "too large": [OK, member("big.bin", os.urandom(101_000))],
    "bomb": [OK, member("zeros.bin", bytes(50_000_000))],
    "twice": [OK, OK],
}


@pytest.mark.parametrize("kind", list(HOSTILE_UPLOADS))
def test_unsafe_uploads_are_refused_with_nothing_stored(hub, flow, kind):
    before = store_state(hub)
    body = tar_gz(*HOSTILE_UPLOADS[kind])
    status, reply = hub.call("POST", f"submissions/{COURSE}/ps1", token=hub.tokens[BEN], body=body)
    assert status == 422, (kind, status, reply)
    assert "refused" in json.loads(reply)["message"]
    assert store_state(hub) == before


def test_a_forged_timestamp_in_an_upload_is_dropped(hub, flow):
    body = tar_gz(OK, member("timestamp.txt", FORGED.encode()))
    status, reply = hub.call("POST", f"submissions/{COURSE}/ps1", token=hub.tokens[BEN], body=body)
    assert status == 201
    record = json.loads(reply)
    assert record["timestamp"] != FORGED and KEY_PATTERN.fullmatch(record["key"])
    stored = hub.store / COURSE / "submitted" / BEN / "ps1" / f"{record['key']}.tar.gz"
    with tarfile.open(stored) as archive:
        assert archive.getnames() == ["ps1.ipynb"]


def test_submit_refuses_a_link_in_the_students_folder_with_the_reason(hub, flow):
    before = store_state(hub)
    folder = flow["homes"][BEN] / "ps1"
    link = folder / "secret.txt"
    link.symlink_to("/etc/passwd")
    try:
        result = run_nbgrader(hub, hub.tokens[BEN], flow["homes"][BEN], "submit", "ps1",
                              "--course", COURSE, check=False)  # fmt: skip
    finally:
        link.unlink()
    assert result.returncode != 0
    assert "secret.txt" in result.stderr and "symbolic link" in result.stderr
    assert store_state(hub) == before


def test_nothing_in_the_store_is_readable_by_others(hub, flow):
    assert stat.S_IMODE(hub.store.stat().st_mode) == 0o700
    state = store_state(hub)
    assert any(path.endswith(".tar.gz") for path in state)  # there is something to check
    loose = {path: oct(mode) for path, (mode, _) in state.items() if mode & 0o077}
    assert not loose
    assert {stat.S_IFMT(mode) for mode, _ in state.values()} <= {stat.S_IFDIR, stat.S_IFREG}


# The archive rules alone (no hub) ---------------------------------------------------


def test_pack_refuses_a_link_and_unpack_writes_nothing_on_refusal(tmp_path):
    limits = SizeLimits(1000, 10_000)
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "a.ipynb").write_text("{}")
    (folder / "link").symlink_to("/etc/passwd")
    with pytest.raises(ArchiveError, match="symbolic link"):
        pack(folder, limits=limits)
    dest = tmp_path / "out"
    with pytest.raises(ArchiveError, match="absolute"):
        unpack(tar_gz(OK, member("/x", b"1")), dest, limits=limits)
    assert not dest.exists()
    unpack(tar_gz(member("sub/a.txt", b"1")), dest, limits=limits)
    assert stat.S_IMODE((dest / "sub").stat().st_mode) == 0o700
    assert stat.S_IMODE((dest / "sub" / "a.txt").stat().st_mode) == 0o600
