"""A small product family file (products/*.yml) for tests that parse one, change it and
read the problems: one product, ``bid``, with one part, ``to``, in block style so a test
can change any one line."""

from __future__ import annotations

ESTIMATE = """\
family: estimate
title: Estimating products
products:
  - id: bid
    name: Bid sheet
    description: A bid for the job.
    showcase: memo
    parts:
      - id: to
        label: To
        hint: The client
"""
