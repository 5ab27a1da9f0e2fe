"""Proposal products: a site proposal to a board that decides, and a one-page
poster that tells the community about the plan.

Both come from the same analysis. The proposal asks a decision maker to approve
one option and shows the numbers behind it; the poster explains the plan to
the people it affects, with the chart, and asks them to take part.
"""

from __future__ import annotations

from careerlab.workbook.products import Part, Product

PRODUCTS = (
    Product(
        "site-proposal",
        "Site proposal",
        "A short proposal that asks a board to approve one site.",
        (
            Part("to", "To", "Who will read it, such as a board or a manager", max_chars=120),
            Part("subject", "Subject", "What you propose, in a few words", max_chars=160),
            Part(
                "recommendation",
                "Recommendation",
                "Which site you recommend and the main reason, in two or three sentences.",
                4,
            ),
            Part(
                "energy",
                "How much energy",
                "How much it would make in a day and in a year, and what share of the need "
                "that covers. Show how you found it.",
                5,
            ),
            Part(
                "evidence",
                "Evidence",
                "The facts that back your choice. Compare with the other sites and point to "
                "your chart.",
                6,
            ),
            Part(
                "trade_offs",
                "Trade-offs",
                "What this choice gives up, the limits of your numbers, and how to handle them.",
                5,
            ),
            Part("next_steps", "Next steps", "What should happen next, and who does it.", 3),
        ),
    ),
    Product(
        "poster",
        "Community poster",
        "A one-page poster for the people the plan affects, with your chart.",
        (
            Part("headline", "Headline", "The big news in one short, catchy line", max_chars=120),
            Part(
                "fact_1",
                "Fact 1",
                "A fact with a number, such as how much the plan makes or saves",
                2,
                max_chars=300,
            ),
            Part(
                "fact_2",
                "Fact 2",
                "A fact that compares, such as a share of the whole or a picture people know",
                2,
                max_chars=300,
            ),
            Part(
                "fact_3",
                "Fact 3",
                "A fact about the science or the choice, such as why this spot",
                2,
                max_chars=300,
            ),
            Part(
                "call_to_action",
                "Call to action",
                "One clear thing you want readers to do, and when or where.",
                3,
                max_chars=500,
            ),
        ),
    ),
)
