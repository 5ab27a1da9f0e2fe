"""A person on the test hub (careerlab.testing.hub owns it; the benchmark uses it too)."""

from careerlab.testing.hub import KernelError, Person

__all__ = ["KernelError", "Person"]
