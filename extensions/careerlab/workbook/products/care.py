"""Patient care products: a nursing care plan and an SBAR report.

Both are documents nurses write every day. A care plan tells the whole nursing
team what the patient's main problem is, what should get better, what the team
will do, and how they will know it worked (the nursing process: assess,
diagnose, plan, act, evaluate). An SBAR report (Situation, Background,
Assessment, Recommendation) is the short, structured way a nurse tells a doctor
or another nurse about a patient who needs attention. Parts are in plain words
for students; the labels are the ones a nurse would recognise.
"""

from __future__ import annotations

from careerlab.workbook.products import Part, Product

PRODUCTS = (
    Product(
        "care-plan",
        "Nursing care plan",
        "A plan for the nursing team: the problem, goals, actions, and how to check them.",
        (
            Part(
                "patient",
                "Patient",
                "Patient, age, room, surgery and post-op day",
                max_chars=160,
            ),
            Part(
                "assessment",
                "Assessment",
                "What you found: vital signs and how they changed, with numbers. Name the chart.",
                6,
            ),
            Part(
                "problem",
                "Nursing problem",
                "The main problem, what it is related to, and the signs that show it.",
                3,
            ),
            Part(
                "goals",
                "Goals",
                "What should get better, by how much, and by when. Use numbers you can measure.",
                3,
            ),
            Part(
                "interventions",
                "Nursing actions",
                "What the team will do, how often, and why. Include who to tell and when.",
                6,
            ),
            Part(
                "evaluation",
                "Evaluation",
                "How the team will know if the plan is working, and what to do if it is not.",
                4,
            ),
        ),
    ),
    Product(
        "sbar",
        "SBAR report",
        "A short report to the surgeon: Situation, Background, Assessment, Recommendation.",
        (
            Part(
                "to",
                "To and from",
                "Who you are reporting to, and who is reporting",
                max_chars=160,
            ),
            Part(
                "situation",
                "Situation",
                "Who the patient is and what is wrong right now, in one or two sentences.",
                3,
            ),
            Part(
                "background",
                "Background",
                "The surgery, the post-op day, and the history that matters now.",
                4,
            ),
            Part(
                "assessment",
                "Assessment",
                "The vital signs and how they changed, with numbers. Mention your chart.",
                6,
            ),
            Part(
                "recommendation",
                "Recommendation",
                "What you are asking for, and how soon. Say what you will do meanwhile.",
                4,
            ),
        ),
    ),
)
