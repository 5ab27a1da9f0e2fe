"""Running notebook cells in this process, with outputs recorded as a kernel would send them.

nbgrader runs each notebook in an ipykernel and nbclient turns the kernel's
messages into notebook outputs. Here an IPython ``InteractiveShell`` runs the
cells directly and records the same outputs: stream text, ``display_data``
(rich bundles included), ``execute_result`` and ``error``, in the order the
kernel publishes them. nbgrader scores a test cell from its outputs alone
(``nbgrader.utils.determine_grade``: an error or anything on stderr is zero),
so what matters is that every error and every stderr write lands where the
kernel would put it; traceback text may differ in detail.

This module is imported by the warm process before any submission exists; a
``Recorder`` is attached per notebook in the process forked for it.
"""

from __future__ import annotations

import builtins
import gc
import io
import json
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from IPython.core import page
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import StdinNotImplementedError
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_clean, json_default
from traitlets import CBool, Type


class OutputLimitExceeded(BaseException):
    """Raised inside the student's code once the notebook's output budget is spent.

    A BaseException, so an ordinary ``except Exception`` in student code does
    not swallow it."""


def _jsonable(value: Any) -> Any:
    """The value as the kernel's JSON packer would send it (bytes as base64, NaN refused)."""
    try:
        return json.loads(json.dumps(value, default=json_default, allow_nan=False))
    except (TypeError, ValueError):
        return json.loads(json.dumps(json_clean(value), default=json_default, allow_nan=False))


def safe_str(value: object) -> str:
    """str() that never raises: a student's exception may break its own __str__."""
    try:
        return str(value)
    except BaseException:
        return f"<unprintable {type(value).__name__}>"


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Recorder:
    """The outputs of one notebook's cells, with the budget they must stay within."""

    def __init__(self, output_budget: int) -> None:
        self.budget = output_budget
        self.used = 0
        self.exceeded = False
        self.cells: dict[int, list[dict[str, Any]]] = {}
        self.current: int | None = None
        self.changed: set[int] = set()
        self._clear_before_next = False
        # display_id -> [(cell index, output index)], as nbclient keeps it
        self._display_ids: dict[str, list[tuple[int, int]]] = {}
        # Output widgets whose ``with`` block is running (see install_output_widget)
        self._widgets: list[_WidgetOutputs] = []
        # Called before a display, result or error is recorded, so text written to
        # file descriptors 1 and 2 before it comes first, as a kernel orders it.
        self.before_output: Callable[[], None] = lambda: None

    # Cells ------------------------------------------------------------------
    def start_cell(self, index: int) -> None:
        self.current = index
        self.cells[index] = []
        self._clear_before_next = False
        self.changed = set()
        self._widgets = []

    def finish_cell(self) -> None:
        """Join the stream text gathered in pieces (see stream)."""
        for output in self.outputs:
            if isinstance(output.get("text"), list):
                output["text"] = "".join(output["text"])
        for widget in self._widgets:
            widget.sync()

    def enter_widget(self, widget: Any) -> None:
        self._widgets.append(_WidgetOutputs(widget))

    def exit_widget(self, widget: Any) -> None:
        for position in range(len(self._widgets) - 1, -1, -1):
            if self._widgets[position].widget is widget:
                self._widgets.pop(position).sync()
                return

    @property
    def outputs(self) -> list[dict[str, Any]]:
        assert self.current is not None
        return self.cells[self.current]

    def _charge(self, size: int) -> None:
        self.used += size
        if self.used > self.budget:
            self.exceeded = True
            raise OutputLimitExceeded(
                f"The notebook's output passed the grader's limit of {self.budget:,} bytes."
            )

    def _append(self, output: dict[str, Any]) -> int:
        if self._clear_before_next:
            self._clear_outputs()
        self.outputs.append(output)
        return len(self.outputs) - 1

    def _clear_outputs(self) -> None:
        assert self.current is not None
        self.cells[self.current] = []
        self._clear_before_next = False
        for places in self._display_ids.values():
            places[:] = [p for p in places if p[0] != self.current]

    # What the shell publishes ---------------------------------------------------
    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        if self.exceeded:
            raise OutputLimitExceeded("The notebook's output is past the grader's limit.")
        self._charge(len(text.encode("utf-8", "surrogateescape")))
        if self._widgets:
            self._widgets[-1].add({"output_type": "stream", "name": name, "text": text})
            return
        outputs = self.outputs
        # ipykernel sends buffered stream text in one message until something
        # else (a display, an error) is published; join writes the same way.
        # Pieces are kept in a list until the cell ends (finish_cell): adding
        # to one long string would copy it on every write.
        if (
            not self._clear_before_next
            and outputs
            and outputs[-1]["output_type"] == "stream"
            and outputs[-1]["name"] == name
        ):
            outputs[-1]["text"].append(text)
        else:
            self._append({"output_type": "stream", "name": name, "text": [text]})

    def _admit(
        self, data: dict[str, Any], metadata: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A rich output (display or result): refused past the limit, made plain JSON,
        and charged to the notebook's output budget."""
        if self.exceeded:
            raise OutputLimitExceeded("The notebook's output is past the grader's limit.")
        self.before_output()
        data, metadata = _jsonable(data), _jsonable(metadata or {})
        self._charge(len(json.dumps(data)))
        return data, metadata

    def display(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any],
        transient: dict[str, Any] | None = None,
        update: bool = False,
    ) -> None:
        data, metadata = self._admit(data, metadata)
        if self._widgets:
            if not update:
                self._widgets[-1].add(
                    {"output_type": "display_data", "data": data, "metadata": metadata}
                )
            return
        display_id = (transient or {}).get("display_id")
        if display_id:
            # nbclient replaces every earlier output with this display id, in any cell.
            for cell, position in self._display_ids.get(display_id, []):
                if position < len(self.cells.get(cell, [])):
                    out = self.cells[cell][position]
                    if out["output_type"] in ("display_data", "execute_result"):
                        out["data"], out["metadata"] = data, metadata
                        self.changed.add(cell)
        if update:
            return
        position = self._append({"output_type": "display_data", "data": data, "metadata": metadata})
        if display_id:
            assert self.current is not None
            self._display_ids.setdefault(display_id, []).append((self.current, position))

    def execute_result(
        self, data: dict[str, Any], metadata: dict[str, Any], execution_count: int
    ) -> None:
        data, metadata = self._admit(data, metadata)
        self._append(
            {
                "output_type": "execute_result",
                "data": data,
                "metadata": metadata,
                "execution_count": execution_count,
            }
        )

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        # Errors are recorded even past the budget (cut short), so a cell that
        # failed is never mistaken for one that passed.
        self.before_output()
        traceback = [str(line)[:10_000] for line in traceback[:200]]
        self.used += sum(len(line) for line in traceback)
        if self._widgets:
            self._widgets[-1].add(
                {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}
            )
            return
        self._append(
            {
                "output_type": "error",
                "ename": str(ename)[:1000],
                "evalue": str(evalue)[:10_000],
                "traceback": traceback,
            }
        )

    def clear(self, wait: bool) -> None:
        if self._widgets:
            self._widgets[-1].clear(wait)
            return
        if wait:
            self._clear_before_next = True
        else:
            self._clear_outputs()


class _WidgetOutputs:
    """Outputs going to an ipywidgets Output widget instead of the cell.

    In JupyterLab, and in nbclient (its OutputWidget), what runs inside
    ``with output_widget:`` lands in the widget, not in the cell's outputs; the
    frontend then sends the widget its outputs. This does both here."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.outputs: list[dict[str, Any]] = [dict(o) for o in getattr(widget, "outputs", ())]
        self.clear_next = False

    def add(self, output: dict[str, Any]) -> None:
        if self.clear_next:
            self.outputs, self.clear_next = [], False
        last = self.outputs[-1] if self.outputs else None
        if (
            last is not None
            and last["output_type"] == output["output_type"] == "stream"
            and last["name"] == output["name"]
        ):
            last["text"].append(output["text"])
        else:
            if output["output_type"] == "stream":
                output = {**output, "text": [output["text"]]}
            self.outputs.append(output)

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_next = True
        else:
            self.outputs = []

    def sync(self) -> None:
        """Give the widget its outputs when its block ends, as the frontend would."""
        outputs = []
        for output in self.outputs:
            if isinstance(output.get("text"), list):
                output = {**output, "text": "".join(output["text"])}
            outputs.append(output)
        try:
            self.widget.outputs = tuple(outputs)
        except Exception:  # a widget that refuses its outputs keeps the old ones
            pass


def install_output_widget(shell: GradingShell) -> None:
    """Make ``with ipywidgets.Output():`` capture as it does under a kernel.

    ipywidgets only routes output to the widget when a kernel is running; this
    process is its own frontend, so it does the routing (see _WidgetOutputs)."""
    try:
        from ipywidgets import Output
    except ImportError:
        return
    enter, leave = Output.__enter__, Output.__exit__

    def __enter__(self: Any) -> None:
        enter(self)
        if shell.recorder is not None and shell.recorder.current is not None:
            shell.recorder.enter_widget(self)

    def __exit__(self: Any, *exc: Any) -> Any:
        try:
            # Shows an error inside the block (in the widget) and swallows it,
            # as ipywidgets does when IPython is running.
            return leave(self, *exc)
        finally:
            if shell.recorder is not None:
                shell.recorder.exit_widget(self)

    Output.__enter__ = __enter__
    Output.__exit__ = __exit__


class _CaptureStream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` while a cell runs, like ipykernel's OutStream."""

    def __init__(self, shell: GradingShell, name: str, fd: int) -> None:
        self._shell = shell
        self.name = name
        self._fd = fd

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "UTF-8"

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        recorder = self._shell.recorder
        if recorder is not None and recorder.current is not None:
            recorder.stream(self.name, text)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # ipykernel hands out the real descriptor; what reaches it is collected
        # after the cell (see GradingShell.collect_fd_output).
        return self._fd


class RecordingDisplayHook(DisplayHook):
    """Records the value of a cell's last expression as ``execute_result``."""

    def start_displayhook(self) -> None:
        super().start_displayhook()
        self._pending: dict[str, Any] | None = {"execution_count": self.prompt_count}

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
        if self._pending is not None:
            self._pending["data"] = format_dict
            self._pending["metadata"] = md_dict or {}

    def finish_displayhook(self) -> None:
        pending, self._pending = self._pending, None
        self._is_active = False
        recorder = self.shell.recorder  # type: ignore[union-attr]
        if pending and pending.get("data") and recorder is not None:
            recorder.execute_result(
                pending["data"], pending["metadata"], pending["execution_count"]
            )


class RecordingDisplayPublisher(DisplayPublisher):
    """Records ``display()`` calls as ``display_data`` and handles ``clear_output``."""

    def publish(  # type: ignore[override]
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: Any = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        self._validate_data(data, metadata)
        recorder = self.shell.recorder if self.shell is not None else None
        if recorder is not None and recorder.current is not None:
            recorder.display(data, metadata or {}, transient, update)

    def clear_output(self, wait: bool = False) -> None:
        recorder = self.shell.recorder if self.shell is not None else None
        if recorder is not None and recorder.current is not None:
            recorder.clear(wait)


def _no_input(*args: Any, **kwargs: Any) -> str:
    # What ipykernel raises when nbclient (allow_stdin=False) runs input().
    raise StdinNotImplementedError(
        "raw_input was called, but this frontend does not support input requests."
    )


def _no_getpass(*args: Any, **kwargs: Any) -> str:
    raise StdinNotImplementedError(
        "getpass was called, but this frontend does not support input requests."
    )


class GradingShell(InteractiveShell):
    """An InteractiveShell set up the way ipykernel sets up a kernel's shell."""

    readline_use = CBool(False)
    autoindent = CBool(False)
    displayhook_class = Type(RecordingDisplayHook)
    display_pub_class = Type(RecordingDisplayPublisher)

    recorder: Recorder | None = None
    memory_error = False

    def init_environment(self) -> None:
        # ipykernel's ZMQInteractiveShell.init_environment
        env = os.environ
        env["TERM"] = "xterm-color"
        env["CLICOLOR"] = "1"
        env["FORCE_COLOR"] = "1"
        env["CLICOLOR_FORCE"] = "1"
        env["PAGER"] = "cat"
        env["GIT_PAGER"] = "cat"

    def init_hooks(self) -> None:
        super().init_hooks()
        # A kernel sends pager text (``obj?``) as a payload, which nbclient drops.
        self.set_hook("show_in_pager", page.as_hook(lambda *a, **k: None), 99)

    def ask_exit(self) -> None:
        # exit() ends an ipykernel after the cell; the runner stops there too.
        self.exit_now = True

    def run_cell(self, *args: Any, **kwargs: Any) -> Any:
        self._last_traceback = None
        return super().run_cell(*args, **kwargs)

    def _format_exception_for_storage(
        self, exception: BaseException, filename: Any = None, running_compiled_code: bool = False
    ) -> dict[str, Any]:
        # IPython formats every error a second time, for its history; nothing
        # reads that here, and formatting is most of what a failed test costs.
        return {"ename": type(exception).__name__, "evalue": str(exception), "traceback": []}

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        if self.recorder is not None and self.recorder.current is not None:
            self.recorder.error(etype.__name__, safe_str(evalue), stb)
        self.memory_error = self.memory_error or issubclass(etype, MemoryError)
        self._last_traceback = stb


def create_shell(traceback_mode: str = "Plain") -> GradingShell:
    """The shell, created once in the warm process (no history thread, no files)."""
    from traitlets.config import Config

    config = Config()
    # nbgrader starts kernels with --HistoryManager.hist_file=:memory: ; it also
    # means no history thread, which a process that forks must not have.
    config.HistoryManager.hist_file = ":memory:"
    shell = GradingShell.instance(config=config)
    shell.InteractiveTB.set_mode(traceback_mode)
    return shell


def can_go_on() -> bool:
    """Whether this process still has room to work after a MemoryError: the notebook's
    garbage is collected, then a block the size of the grader's reserve must still fit
    under the memory limit. A notebook that filled the limit (a loop that keeps
    allocating) leaves no such room; one impossible allocation leaves all of it."""
    import mmap

    from careerlab.autograde.sandbox import MEMORY_RESERVE

    gc.collect()
    try:
        # An anonymous mapping takes address space (what the limit counts) without
        # touching a page, so the probe costs nothing.
        probe = mmap.mmap(-1, MEMORY_RESERVE)
    except (MemoryError, OSError):
        return False
    probe.close()
    return True


class CellRunner:
    """Runs one notebook's cells in this (forked, sandboxed) process."""

    def __init__(self, shell: GradingShell, recorder: Recorder, timeout_error: dict[str, Any]):
        self.shell = shell
        self.recorder = recorder
        self.timeout_error = timeout_error
        shell.recorder = recorder
        # What a kernel started by nbclient has: no stdin, and output captured.
        builtins.input = _no_input
        import getpass

        getpass.getpass = _no_getpass
        sys.stdout = _CaptureStream(shell, "stdout", 1)
        sys.stderr = _CaptureStream(shell, "stderr", 2)
        # Descriptors 1 and 2 are files opened read-write (see sandbox.capture_fds);
        # pread reads what was written without moving the writers' offset.
        self._fd_read = {"stdout": [1, 0], "stderr": [2, 0]}
        self._timed_out = False
        recorder.before_output = self.collect_fd_output

    def _on_alarm(self, signum: int, frame: Any) -> None:
        self._timed_out = True
        # Keep interrupting every second, in case the cell catches it.
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        # What nbclient's interrupt raises in a kernel, so the outputs match.
        raise KeyboardInterrupt

    def collect_fd_output(self) -> None:
        """Text written straight to file descriptors 1 and 2 (C code, subprocesses).

        ipykernel captures it into the cell's stream outputs; so does this, before
        the cell's next display, result or error, and when the cell ends."""
        if self.recorder.exceeded:
            return
        for name, place in self._fd_read.items():
            fd, offset = place
            try:
                data = os.pread(fd, 1 << 20, offset)
            except OSError:
                continue
            while data:
                place[1] = offset = offset + len(data)
                try:
                    self.recorder.stream(name, data.decode("utf-8", "replace"))
                except OutputLimitExceeded:
                    return
                data = os.pread(fd, 1 << 20, offset)

    def run(self, index: int, source: str, cell_timeout: float) -> dict[str, Any]:
        shell = self.shell
        recorder = self.recorder
        recorder.start_cell(index)
        started = now_iso()
        self._timed_out = False
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, cell_timeout)
        result = None
        try:
            result = shell.run_cell(source, store_history=True, silent=False)
        except BaseException as error:  # the cell ended outside IPython's own handling
            shell.memory_error = shell.memory_error or isinstance(error, MemoryError)
            recorder.error(type(error).__name__, safe_str(error), [])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        self.collect_fd_output()
        if result is not None and not result.success:
            # nbgrader's Execute.on_cell_executed: a failed cell whose error was
            # not published (showtraceback patched away) still gets one.
            error = result.error_before_exec or result.error_in_exec
            ename = type(error).__name__
            if not any(
                o["output_type"] == "error" and o["ename"] == ename for o in recorder.outputs
            ):
                recorder.error(
                    ename,
                    safe_str(error),
                    shell._last_traceback
                    or ["ERROR: An error occurred while showtraceback was disabled"],
                )
        if self._timed_out:
            recorder.error(
                self.timeout_error.get("ename", "CellTimeoutError"),
                self.timeout_error.get("evalue", ""),
                list(self.timeout_error.get("traceback", [])),
            )
        recorder.finish_cell()
        stop = None
        if recorder.exceeded:
            stop = "output-limit"
        elif shell.memory_error and can_go_on():
            # One allocation that could never fit (bytearray(10**12)) failed and left
            # nothing behind: that cell's error, as in a kernel; the notebook goes on.
            shell.memory_error = False
        elif shell.memory_error:
            stop = "memory-limit"
            # The notebook is over: drop what it holds, so reporting has memory.
            from careerlab.autograde.sandbox import release_memory_reserve

            release_memory_reserve()
            shell.user_ns.clear()
            gc.collect()
        elif shell.exit_now:
            stop = "exited"
        return {
            "index": index,
            "execution_count": shell.execution_count - 1,
            "outputs": recorder.outputs,
            "updated": {str(i): recorder.cells[i] for i in recorder.changed if i != index},
            "started": started,
            "finished": now_iso(),
            "timed_out": self._timed_out,
            "stop": stop,
        }

    def report(self, index: int, request: Any, cell_timeout: float) -> dict[str, Any]:
        """A CareerLab test cell, which the grader judges itself: report what the student
        recorded (careerlab.autograde.keys). It counts as a run cell, as the test would."""
        from careerlab.autograde.keys import report_answers

        shell = self.shell
        started = now_iso()
        self._timed_out = False
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, cell_timeout)
        try:
            report = _jsonable(report_answers(shell.user_ns, dict(request)))
        except BaseException as error:  # the student's code broke or stalled the report
            report = {"error": [type(error).__name__, safe_str(error)[:500]]}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        shell.execution_count += 1
        return {
            "index": index,
            "execution_count": shell.execution_count - 1,
            "outputs": [],
            "report": report,
            "started": started,
            "finished": now_iso(),
            "timed_out": False,
            "stop": None,
        }
