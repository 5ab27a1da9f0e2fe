"""Security incident products: a full incident report for a leader, and a short
alert email that tells all staff what happened and what to do now.

The parts follow what security teams actually write. An incident report leads
with a summary for busy readers, then the timeline, the evidence, the impact
and the actions (the shape of the after-action reports described in NIST SP
800-61, the US guide to handling computer security incidents). A staff alert
is short and plain: what happened, what each person should do now, and whom to
contact.
"""

from __future__ import annotations

from careerlab.workbook.products import Part, Product

PRODUCTS = (
    Product(
        "incident-report",
        "Incident report",
        "A report for a leader: what happened, the evidence, the harm, and what to do.",
        (
            Part("to", "To", "Who will read it, and their job title", max_chars=120),
            Part(
                "title", "Incident", "A short name for what happened, with the date", max_chars=160
            ),
            Part(
                "summary",
                "Summary",
                "In 3 or 4 plain sentences: what happened, when, how serious it is, "
                "and where things stand now.",
                4,
            ),
            Part(
                "timeline",
                "Timeline",
                "The key events in time order, one per line, like: 2:14 a.m. - ...",
                7,
            ),
            Part(
                "evidence",
                "Evidence",
                "The facts from the log that show what happened, with numbers. Mention your chart.",
                6,
            ),
            Part(
                "impact",
                "Impact",
                "What data and which people were affected, and what was not.",
                4,
            ),
            Part(
                "actions",
                "Actions",
                "What has been done already, and what you advise next, with who does it.",
                6,
            ),
        ),
    ),
    Product(
        "security-alert",
        "Security alert email",
        "A short email to all staff: what happened, what to do now, and whom to contact.",
        (
            Part("to", "To", "Who gets the email", max_chars=120),
            Part(
                "subject",
                "Subject",
                "What it is about, and that staff need to act",
                max_chars=160,
            ),
            Part(
                "what_happened",
                "What happened",
                "Two or three plain sentences. No tech words.",
                4,
            ),
            Part(
                "what_to_do",
                "What to do now",
                "Short numbered steps every staff member should take today.",
                6,
            ),
            Part(
                "contact",
                "Who to contact",
                "Whom to call or email with questions, or to report something odd.",
                3,
            ),
        ),
    ),
)
