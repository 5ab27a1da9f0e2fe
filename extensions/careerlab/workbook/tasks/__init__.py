"""Task kinds, one module each. Adding a kind means adding a module here."""

from careerlab.workbook.tasks.base import AnswerError, Check, Task
from careerlab.workbook.tasks.chart import ChartTask
from careerlab.workbook.tasks.choice import ChoiceTask
from careerlab.workbook.tasks.data_analysis import DataAnalysisTask
from careerlab.workbook.tasks.long_text import LongTextTask
from careerlab.workbook.tasks.number import NumberTask
from careerlab.workbook.tasks.product import ProductTask
from careerlab.workbook.tasks.self_assessment import SelfAssessmentTask
from careerlab.workbook.tasks.short_text import ShortTextTask

KINDS: dict[str, type[Task]] = {
    kind.kind: kind
    for kind in (
        ChoiceTask,
        NumberTask,
        ShortTextTask,
        LongTextTask,
        DataAnalysisTask,
        ChartTask,
        ProductTask,
        SelfAssessmentTask,
    )
}

__all__ = ["KINDS", "AnswerError", "Check", "Task"]
