"""Seeded, documented generators for data that does not exist offline.

Each module makes one data set from a fixed seed, so the committed CSV can be
rebuilt exactly (``careerlab data NAME``) and tests check that it is."""
