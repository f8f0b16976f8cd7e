"""Scales of the synthetic platform: how many parties and orders each one holds.

A scale fixes population sizes, the order target over the twelve order months and how the
big tables are written. `tiny` is for unit tests (no planted archetypes), `small` is the
demo in which every level of every program is reached, `medium` and `large` exercise the
loader and the metric queries at volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ScaleName = Literal["tiny", "small", "medium", "large"]


@dataclass(frozen=True)
class Scale:
    """Population sizes of one scale; planted archetypes come on top when `plant` is set."""

    name: str
    #: Target number of orders over the twelve order months (planted ones included).
    orders: int
    #: Background partners per (kind, market).
    isv: dict[str, int]
    tsp: dict[str, int]
    mcn: int
    #: Background sellers and creators per market.
    sellers: dict[str, int]
    creators: dict[str, int]
    #: Plant the archetype roster so every level of every program is reached.
    plant: bool
    #: Write orders, livestreams and videos as `<table>/part-NNNNN.parquet` folders.
    partitioned: bool
    #: Upper bound of orders generated and written at once (bounded memory).
    chunk_orders: int


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny",
        orders=400,
        isv={"TH": 4, "ID": 2},
        tsp={"TH": 3, "ID": 1},
        mcn=3,
        sellers={"TH": 40, "ID": 20, "CN": 40},
        creators={"TH": 25, "ID": 12, "CN": 40},
        plant=False,
        partitioned=False,
        chunk_orders=1_000_000,
    ),
    "small": Scale(
        name="small",
        orders=200_000,
        isv={"TH": 146, "ID": 38},
        tsp={"TH": 22, "ID": 6},
        mcn=30,
        sellers={"TH": 2_500, "ID": 1_000, "CN": 1_500},
        creators={"TH": 2_000, "ID": 1_000, "CN": 3_500},
        plant=True,
        partitioned=False,
        chunk_orders=1_000_000,
    ),
    "medium": Scale(
        name="medium",
        orders=5_000_000,
        isv={"TH": 300, "ID": 150},
        tsp={"TH": 120, "ID": 40},
        mcn=150,
        sellers={"TH": 50_000, "ID": 25_000, "CN": 50_000},
        creators={"TH": 25_000, "ID": 12_000, "CN": 50_000},
        plant=True,
        partitioned=False,
        chunk_orders=1_000_000,
    ),
    "large": Scale(
        name="large",
        orders=51_000_000,
        isv={"TH": 600, "ID": 300},
        tsp={"TH": 300, "ID": 100},
        mcn=500,
        sellers={"TH": 200_000, "ID": 100_000, "CN": 200_000},
        creators={"TH": 90_000, "ID": 50_000, "CN": 180_000},
        plant=True,
        partitioned=True,
        chunk_orders=1_500_000,
    ),
}


def get_scale(name: str) -> Scale:
    """The scale called `name`; a clear error lists the known ones."""
    try:
        return SCALES[name]
    except KeyError:
        known = ", ".join(SCALES)
        raise ValueError(f"unknown scale {name!r}: use one of {known}") from None
