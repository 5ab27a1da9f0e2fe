"""Recommendation products: a business memo and a one-page slide."""

from __future__ import annotations

from careerlab.workbook.products import Part, Product

PRODUCTS = (
    Product(
        "memo",
        "Recommendation memo",
        "A one-page business memo to a decision maker.",
        (
            Part("to", "To", "Who will read it, and their job title", max_chars=120),
            Part("subject", "Subject", "Your recommendation in a few words", max_chars=160),
            Part(
                "recommendation",
                "Recommendation",
                "Say what you recommend and why, in two or three sentences.",
                4,
            ),
            Part(
                "evidence",
                "Evidence",
                "Give the numbers from your analysis that support it. Mention your chart.",
                6,
            ),
            Part("risks", "Risks", "What could go wrong, and how to reduce the risk.", 4),
            Part("next_steps", "Next steps", "What should happen next, and who does it.", 3),
        ),
    ),
    Product(
        "slide",
        "One-page slide",
        "One presentation slide with your chart, and notes for speaking.",
        (
            Part("headline", "Headline", "Your recommendation as one sentence", max_chars=160),
            Part(
                "point_1",
                "Key point 1",
                "Your strongest piece of evidence, with a number",
                2,
                max_chars=300,
            ),
            Part(
                "point_2",
                "Key point 2",
                "A second piece of evidence, with a number",
                2,
                max_chars=300,
            ),
            Part("point_3", "Key point 3", "A risk and how to handle it", 2, max_chars=300),
            Part(
                "speaker_notes",
                "Speaker notes",
                "What you will say while the slide is shown: explain the chart.",
                6,
            ),
        ),
    ),
)
