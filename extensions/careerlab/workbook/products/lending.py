"""Lending products: a credit memo for the loan committee and a decision letter
to the applicant.

A credit memo is how a loan officer or credit analyst presents a loan inside a
bank or credit union: who is asking, for what, what the numbers show, what
could go wrong, and the recommended decision with its conditions. A decision
letter tells the applicant the outcome in plain words: the decision, the main
reasons, and what happens next. Fair-lending rules (the Equal Credit
Opportunity Act) expect the reasons to be specific facts about the credit
request, never personal traits.
"""

from __future__ import annotations

from careerlab.workbook.products import Part, Product

PRODUCTS = (
    Product(
        "credit-memo",
        "Credit memo",
        "An inside report to the loan committee that recommends a decision.",
        (
            Part("to", "To", "The committee or person who decides, and their title", max_chars=120),
            Part(
                "applicant",
                "Applicant",
                "The business, the owner, what it does, and how long it has run.",
                3,
            ),
            Part(
                "request",
                "Request",
                "Amount, purpose, term, rate, monthly payment, and collateral.",
                3,
            ),
            Part(
                "analysis",
                "Financial analysis",
                "Income, total payments and the coverage ratio, with units. Mention your chart.",
                6,
            ),
            Part("risks", "Risks", "The main risks, and what lowers each one.", 4),
            Part(
                "decision",
                "Decision and conditions",
                "Approve, approve with conditions, or decline; list any conditions.",
                4,
            ),
        ),
    ),
    Product(
        "decision-letter",
        "Decision letter",
        "A respectful letter to the applicant that explains the decision.",
        (
            Part("to", "To", "The applicant's name and business", max_chars=120),
            Part("subject", "Subject", "What the letter is about, in a few words", max_chars=160),
            Part(
                "decision",
                "Our decision",
                "Say the decision in the first sentences, in plain words.",
                3,
            ),
            Part(
                "reasons",
                "The reasons",
                "The main facts behind the decision, with numbers the reader can check.",
                5,
            ),
            Part(
                "next_steps",
                "Next steps",
                "What the applicant needs to do, by when, and any conditions.",
                4,
            ),
            Part(
                "closing",
                "Closing",
                "How to reach you with questions, a polite close, and your name and title.",
                3,
            ),
        ),
    ),
)
