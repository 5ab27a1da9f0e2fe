"""Task kinds, one module each. Adding a kind means adding a module here."""

from careerlab.tasks.base import AnswerError, Check, Task
from careerlab.tasks.chart import ChartTask
from careerlab.tasks.choice import ChoiceTask
from careerlab.tasks.data_analysis import DataAnalysisTask
from careerlab.tasks.long_text import LongTextTask
from careerlab.tasks.number import NumberTask
from careerlab.tasks.product import ProductTask
from careerlab.tasks.self_assessment import SelfAssessmentTask
from careerlab.tasks.short_text import ShortTextTask

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
