"""One real classroom hub for every hub test that shares it (started once a session)."""

from __future__ import annotations

import pytest

from .classroom_hub import Hub, start_hub


@pytest.fixture(scope="session")
def hub() -> Hub:
    started = start_hub()
    yield started
    started.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The hub's restart, culling and end of term (test_lifecycle) come after the rest, and
    the roster import (test_roster, which drops cy.other from bio-201) just before it."""
    items.sort(
        key=lambda item: (
            item.module.__name__.endswith("test_lifecycle"),
            item.module.__name__.endswith("test_roster"),
        )
    )
