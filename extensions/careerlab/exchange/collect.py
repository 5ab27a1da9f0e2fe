"""``nbgrader collect`` that copies only what is safe to copy.

nbgrader's own collect copies each student's folder from the exchange with
``shutil.copytree``, which follows symbolic links: a link in a submission to
another student's work, the gradebook or /dev/zero is copied (or copied without
end) into ``submitted/``. jupyter_config.py swaps in this collect step
(``c.ExchangeFactory.collect``). Before copying, each submission is checked
(``careerlab.exchange.files``: regular files and folders only, within nbgrader's
``max_file_size`` and ``max_dir_size``) and its student id against the course's
rule (``careerlab.course.check_student_id``). A refused submission is logged
as an error with its reason and stays in the exchange untouched; the rest of
the class is collected.
"""

from __future__ import annotations

import datetime
import os
import shutil
from typing import Any

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import ignore_patterns

from careerlab.course import StudentIdError, check_student_id
from careerlab.exchange.files import SizeLimits, UnsafeSubmission, check_submission, safe_copy


class SafeCollect(ExchangeCollect):
    """nbgrader's collect: same records, same update rules; refuses unsafe submissions."""

    refused: list[tuple[str, str, str]]  # (student, reason, detail), for callers and tests

    def _refuse(self, student: str, reason: str, detail: str) -> None:
        self.refused.append((student, reason, detail))
        self.log.error(
            "Refused submission of %s by %s (%s): %s; it stays in the exchange.",
            self.coursedir.assignment_id,
            ascii(student)[:80],
            reason,
            detail,
        )

    def _path_to_record(self, path: str) -> dict[str, Any]:
        # nbgrader stops the whole collect at one folder name it cannot parse (no
        # time stamp, a bad date): that folder alone is refused in copy_files.
        try:
            return super()._path_to_record(path)
        except Exception as error:
            filename = os.path.basename(path)
            return {
                "username": filename.split("+")[0],
                "filename": filename,
                "timestamp": datetime.datetime.min,
                "refused": f"{ascii(filename)[:120]} is not a submission name ({error})"[:300],
            }

    def copy_files(self) -> None:
        self.refused = []
        limits = SizeLimits.of(self.coursedir)
        safe = []
        for record in self.src_records:
            if "refused" in record:
                self._refuse(record["username"], "bad-submission-name", record["refused"])
                continue
            try:
                check_student_id(record["username"])
            except StudentIdError as error:
                self._refuse(record["username"], "bad-student-id", str(error))
                continue
            try:
                check_submission(os.path.join(self.inbound_path, record["filename"]), limits)
            except UnsafeSubmission as problem:
                self._refuse(record["username"], problem.reason, problem.detail)
                continue
            safe.append(record)
        self.src_records = safe
        super().copy_files()

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        # nbgrader's include/exclude patterns; sizes and file kinds are safe_copy's.
        ignore = ignore_patterns(
            exclude=self.coursedir.ignore, include=self.coursedir.include, log=self.log
        )
        try:
            safe_copy(src, dest, SizeLimits.of(self.coursedir), ignore)
        except UnsafeSubmission as problem:
            # Changed between the check and the copy: nothing half-copied is kept.
            shutil.rmtree(dest, ignore_errors=True)
            student = os.path.basename(src).split("+")[0]
            self._refuse(student, problem.reason, problem.detail)
            return
        if self.coursedir.groupshared:  # as nbgrader's do_copy: group read-write
            for dirname, _, filenames in os.walk(dest):
                os.chmod(dirname, (os.stat(dirname).st_mode | 0o2770) & 0o2777)
                for name in filenames:
                    path = os.path.join(dirname, name)
                    os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)
