"""Hidden tests stay hidden in feedback (nbgrader issues #917 and #1363).

nbgrader restores hidden tests into the autograded notebook, and
``generate_feedback`` renders that notebook as it is: students would read the
hidden test code, answer keys included, in their feedback. This step, listed
in ``GenerateFeedback.preprocessors`` (jupyter_config.py), removes every
``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region from the
feedback copy. The outputs stay, so students still read each failed test's
message, but an error's traceback (which quotes the failing line) is cut to
that message.
"""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from traitlets import List

PLACEHOLDER = "# Hidden tests ran here; their code is not shown."


class HideTestsInFeedback(ClearHiddenTests):
    """nbgrader's ClearHiddenTests, for feedback: lenient, and it cleans tracebacks too."""

    # nbconvert's HTML exporter configures NbConvertBase.display_data_priority for every
    # preprocessor it runs; nbgrader's base class redeclares the trait without config=True,
    # so traitlets warned "not recognized" on every feedback run. Accept it, as GetGrades does.
    display_data_priority = List(GetGrades.class_traits()["display_data_priority"].default()).tag(
        config=True
    )

    def _hide(self, source: str) -> tuple[str, bool]:
        kept: list[str] = []
        hidden = inside = False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                if not inside:
                    indent = line[: len(line) - len(line.lstrip())]
                    kept.append(indent + PLACEHOLDER)
                inside = hidden = True
            elif self.end_test_delimeter in line:
                inside = False
            elif not inside:
                kept.append(line)
        # An unterminated region hides everything after it: never too little.
        return "\n".join(kept), hidden

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        source, hidden = self._hide(cell.source)
        if hidden:
            cell.source = source
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [
                        f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                    ]
        return cell, resources
