"""The student's work rendered for reading, built the way the showcase builds it.

The tasks come from the course's own source notebook (the author's trusted
cells, run by careerlab.showcase.page.load_workbook) and show the student's stored
answers through each kind's ``render_html``, which escapes every string; charts
are redrawn by careerlab.workbook.charts. The code a student typed is shown as text and
never run. No cell of the student's notebook ever runs in the teacher's server.

Loading a workbook imports pandas and matplotlib and changes the working
folder while the author's cells run, so it happens in one long-lived helper
process (``RenderPool``), never in the Jupyter server's own process; results
are cached until the answers or the notebooks change.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import nbformat

from careerlab import course
from careerlab.workbook.answers import answers_filename

MAX_CODE_CHARS = 20_000
CACHE_SIZE = 200


def _student_code(root: Path, assignment: str, student: str, notebook: str) -> list[dict[str, str]]:
    """The code a student wrote in the notebook's answer cells, as text (never run).

    Only cells whose source differs from the released stub are listed."""
    coursedir = course.course_directory(root)
    graded = course.work_folder(coursedir, coursedir.autograded_directory, student, assignment)
    submitted = graded / f"{notebook}.ipynb"
    released = root / course.RELEASE_DIRECTORY / assignment / f"{notebook}.ipynb"
    if not submitted.exists():
        return []
    stubs: dict[str, str] = {}
    if released.exists():
        for cell in nbformat.read(released, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id:
                stubs[grade_id] = cell.source
    code = []
    for cell in nbformat.read(submitted, as_version=4).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        grade_id = str(meta.get("grade_id", ""))
        if cell.source.strip() == stubs.get(grade_id, "").strip():
            continue
        code.append({"cell": grade_id, "source": cell.source[:MAX_CODE_CHARS]})
    return code


def render_work(root: str, assignment: str, student: str, notebook: str) -> dict[str, Any]:
    """Runs in the helper process: every task with the student's answer, as escaped HTML."""
    from careerlab.showcase.page import load_workbook, workbook_problems
    from careerlab.workbook.progress import progress

    folder = Path(root)
    try:
        code = _student_code(folder, assignment, student, notebook)
    except Exception as error:  # a damaged notebook: the answers can still be shown
        code, problems = [], [f"The student's code cannot be shown ({type(error).__name__})."]
    else:
        problems = []
    try:
        workbook = load_workbook(folder, assignment, student, notebook, missing_ok=True)
    except Exception as error:  # whatever the files hold, the page shows the rest and says why
        problems.append(f"The answers cannot be shown: {error}")
        return {"tasks": [], "code": code, "problems": problems}
    tasks = []
    problems += workbook_problems(workbook)
    for task in workbook.tasks.values():
        try:
            html = task.render_html()  # a value it cannot draw becomes a note in the html
        except Exception as error:  # one odd answer must not hide the rest of the work
            html = ""
            problems.append(f"Task '{task.id}' cannot be shown ({type(error).__name__}).")
        tasks.append({"id": task.id, "title": task.title, "kind": task.kind, "html": html})
    # Answered by each kind's one rule, as the student's progress list and Validate said.
    found = progress(workbook.tasks.values())
    for shown, (_, left) in zip(tasks, found.rows, strict=True):
        shown["to_do"] = left
    return {"tasks": tasks, "code": code, "problems": problems, "answered": found.as_data()}


def _stamp(root: Path, assignment: str, student: str, notebook: str) -> course.FileStamp:
    """Changes whenever anything the rendering reads changes (a save, a re-autograde, the
    author's notebook rebuilt)."""
    coursedir = course.course_directory(root)
    paths = [
        course.work_folder(coursedir, step, student, assignment) / name
        for step in course.work_stages(coursedir)
        for name in (answers_filename(notebook), f"{notebook}.ipynb")
    ]
    paths.append(root / course.SOURCE_DIRECTORY / assignment / f"{notebook}.ipynb")
    return course.file_stamp(*paths)


class RenderPool:
    """One helper process that renders work, and a small cache of its results."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._cache: OrderedDict[tuple[str, ...], tuple[course.FileStamp, dict[str, Any]]] = (
            OrderedDict()
        )
        self._running: dict[tuple[Any, ...], asyncio.Future[dict[str, Any]]] = {}

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn: a fresh interpreter, not a fork of the server with its threads.
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    def ready(self, root: Path, assignment: str, student: str, notebook: str) -> dict | None:
        """The rendered work, if it was rendered from the files as they are now; else None."""
        key = (str(root), assignment, student, notebook)
        cached = self._cache.get(key)
        if cached and cached[0] == _stamp(root, assignment, student, notebook):
            self._cache.move_to_end(key)
            return cached[1]
        return None

    async def work(self, root: Path, assignment: str, student: str, notebook: str) -> dict:
        found = self.ready(root, assignment, student, notebook)
        if found is not None:
            return found
        key = (str(root), assignment, student, notebook)
        stamp = _stamp(root, assignment, student, notebook)
        # The same files asked for twice at once (a page and its prefetch): render once. A
        # render of files that changed since it started is not waited for (it is stale).
        running = (key, stamp)
        if running in self._running:
            return await asyncio.shield(self._running[running])
        future = asyncio.ensure_future(self._render(key))
        self._running[running] = future
        try:
            result = await future
        finally:
            self._running.pop(running, None)
        self._cache[key] = (stamp, result)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    async def _render(self, key: tuple[str, ...]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            try:
                return await loop.run_in_executor(self._pool(), render_work, *key)
            except BrokenProcessPool:
                # The helper died (out of memory, killed): start a new one once.
                self._executor = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def prefetch(self, root: Path, assignment: str, student: str, notebook: str) -> None:
        """Render the next submission in the background, so "Next" opens at once."""

        async def quietly() -> None:
            try:
                await self.work(root, assignment, student, notebook)
            except Exception:  # a prefetch is only a head start; the page will retry
                pass

        asyncio.ensure_future(quietly())

    def warm_up(self, root: Path) -> None:
        """Start the helper and its one-time costs now, so the first work shown does not wait
        for them (a plain submit: this runs when the server loads, before its event loop)."""
        self._pool().submit(_prepare_rendering, str(root))

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _prepare_rendering(root: str) -> int:
    """Runs in the helper process: what every first rendering pays once (imports, the
    course's product families, the notebook schema, matplotlib's first drawing), done
    before the first page asks: a first render then takes 0.2-0.3 s, not 0.5 s."""
    import pandas as pd

    import careerlab.showcase.page  # noqa: F401
    from careerlab.workbook import charts, products

    nbformat.validate(nbformat.v4.new_notebook())  # compiles the notebook schema
    charts.draw_png(pd.DataFrame({"x": ["a", "b"], "y": [1, 2]}), "x", "y", "bar", "warm-up")
    products.families(Path(root))  # last: a course without products/ raises here
    return os.getpid()
