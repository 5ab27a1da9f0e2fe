"""Professional products a student can make, shared by every project.

Each product is a form of named parts a professional would recognise. A product
rubric in rubrics/ scores the same criteria for every product type it covers,
with descriptors written for each type; a project offers a choice of products.

One module per family of products (recommendation.py: memo and slide, ...),
each with a ``PRODUCTS`` tuple; adding a family means adding a module.

Kernel side: imports nothing from CareerLab but this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Part:
    id: str
    label: str
    hint: str
    lines: int = 1  # 1: one line; more: a paragraph box
    max_chars: int = 2_000


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    parts: tuple[Part, ...]


@cache
def families() -> dict[str, tuple[Product, ...]]:
    """Family (module name) -> its products, in name order: the one search of this package."""
    return {
        module.name: importlib.import_module(f"{__name__}.{module.name}").PRODUCTS
        for module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name)
    }


@cache
def all_products() -> dict[str, Product]:
    found: dict[str, Product] = {}
    for products in families().values():
        for product in products:
            if product.id in found:
                raise ValueError(f"Two products are called {product.id!r}.")
            found[product.id] = product
    return found
