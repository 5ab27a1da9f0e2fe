"""Helpers for the tests, the benchmarks and ``careerlab try``/``check`` only.

Owns the simulated student (``simulate``: answers a notebook through the widgets'
own code in a real kernel) and the classes of correct, partial, wrong and empty
work (``classroom``), and a real classroom hub with people on it (``hub``: the hub
tests and ``bench/classroom.py``). May import anything; nothing that runs for a teacher or
a student imports it, except the author checks reading ``solutions.yml`` and
``careerlab simulate`` (``author.simulated_class``), which grades a simulated class.
"""
