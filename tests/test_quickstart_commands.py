"""Every command in the teacher quickstart works as written, in a new terminal.

The quickstart says where its commands come from (`source .venv/bin/activate` in the
CareerLab folder); each command in its code blocks and inline code must then be found on
that PATH and be accepted as written (careerlab's own parser, nbgrader's subcommands,
the Makefile's targets), and every address it gives must use `make start`'s port. No
command is run for real and nothing touches the network."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from careerlab import cli

from .conftest import REPO

QUICKSTART = REPO / "docs" / "quickstart-teacher.md"
ACTIVATE = "source .venv/bin/activate"
COMMANDS = ("careerlab", "nbgrader", "make", "jupyter")


def snippets(markdown: str) -> list[str]:
    """Every line of every fenced code block, and every inline code span."""
    found = []
    for block in re.findall(r"^\s*```[^\n]*\n(.*?)^\s*```", markdown, re.S | re.M):
        found += [line.strip() for line in block.splitlines() if line.strip()]
    outside = re.sub(r"^\s*```[^\n]*\n.*?^\s*```", "", markdown, flags=re.S | re.M)
    found += re.findall(r"`([^`\n]+)`", outside)
    return found


def commands(markdown: str) -> list[list[str]]:
    # A program's name alone (`careerlab`) names it; a command has arguments.
    return [
        shlex.split(snippet)
        for snippet in snippets(markdown)
        if snippet.split()[0] in COMMANDS and len(snippet.split()) > 1
    ]


def new_terminal_path() -> str:
    """PATH in a new terminal of the CareerLab folder after the doc's one step (a shell
    started with nothing of this test's environment)."""
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", f'{ACTIVATE} && printf %s "$PATH"'],
        cwd=REPO,
        env={"HOME": str(REPO), "PATH": "/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, re.M))


def test_the_quickstart_says_how_its_commands_reach_the_path():
    text = QUICKSTART.read_text()
    assert ACTIVATE in snippets(text)
    # and make start prints it, with the folder to go to
    recipe = subprocess.run(
        ["make", "-n", "start"], cwd=REPO, capture_output=True, text=True, timeout=60
    ).stdout
    assert f"cd {REPO} && {ACTIVATE}" in recipe


def test_every_command_is_found_and_accepted_as_written():
    from nbgrader.apps.nbgraderapp import NbGraderApp

    text = QUICKSTART.read_text()
    found = commands(text)
    assert {argv[0] for argv in found} >= {"careerlab", "nbgrader", "make"}
    path = new_terminal_path()
    targets = makefile_targets()
    for argv in found:
        program, args = argv[0], argv[1:]
        assert shutil.which(program, path=path), f"{program} is not on the PATH: {argv}"
        if program == "careerlab":
            try:
                cli.build_parser().parse_args(args)
            except SystemExit as stop:
                pytest.fail(f"careerlab rejects {shlex.join(argv)} ({stop.code})")
        elif program == "nbgrader":
            assert args and args[0] in NbGraderApp.subcommands, argv
        elif program == "make":
            named = [a for a in args if "=" not in a] or ["all"]
            assert set(named) <= targets, argv


def test_the_rubric_command_names_real_criteria_and_levels():
    from careerlab.rubrics.format import combined, load_all

    rubric = combined(load_all(REPO / "rubrics"), "coffee-site")
    for argv in commands(QUICKSTART.read_text()):
        if argv[:3] == ["careerlab", "rubric", "score"]:
            assignment, _, criterion, level = argv[3:7]
            assert assignment == "coffee-site"
            assert rubric.criterion(criterion) is not None
            assert level in {lv.id for lv in rubric.levels}


def test_every_address_uses_make_starts_port_and_a_real_page():
    port = re.search(r"^PORT \?= (\d+)$", (REPO / "Makefile").read_text(), re.M)
    assert port
    text = QUICKSTART.read_text()
    addresses = re.findall(r"http://127\.0\.0\.1:(\d+)(/[^\s`)]*)", text)
    assert addresses
    for used, path in addresses:
        assert used == port[1], path
        if path.startswith("/voila/render/"):
            page = path.removeprefix("/voila/render/").split("?")[0]
            assert (REPO / page).is_file(), path
    # make start serves exactly that port or stops: no printed address can be wrong.
    recipe = subprocess.run(
        ["make", "-n", "start", "PORT=9123"], cwd=REPO, capture_output=True, text=True
    ).stdout
    assert "--port=9123" in recipe and "--ServerApp.port_retries=0" in recipe
    assert "http://127.0.0.1:9123/careerlab/grade" in recipe


def test_the_showcase_address_uses_the_running_servers_port(tmp_path, monkeypatch):
    """`careerlab showcase` prints the address of the course's running server, read from
    Jupyter's runtime files, not a fixed 8888."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    assert cli.course_server(REPO) == cli.DEFAULT_SERVER  # nothing running
    info = {
        "url": "http://127.0.0.1:9321/",
        "root_dir": str(REPO),
        "pid": os.getpid(),  # alive, so Jupyter lists it
        "port": 9321,
        "token": "",
        "secure": False,
        "base_url": "/",
        "hostname": "127.0.0.1",
        "password": False,
    }
    other = {**info, "url": "http://127.0.0.1:9999/", "root_dir": str(tmp_path), "port": 9999}
    (tmp_path / "jpserver-1.json").write_text(json.dumps(other))
    (tmp_path / "jpserver-2.json").write_text(json.dumps(info))
    assert cli.course_server(REPO) == "http://127.0.0.1:9321/"
    assert cli.course_server(Path(tmp_path)) == "http://127.0.0.1:9999/"
