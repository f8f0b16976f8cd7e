"""One compiler per library metric, found through a registry (`compiler_for`).

Importing the package registers every compiler; a test checks that each metric of
`catalog.LIBRARY` has exactly one."""

from tierwise.metrics.compilers import content, creators, derived, isv, orders, partners, sellers
from tierwise.metrics.compilers.base import Assembly, MetricCompiler, RelationCompiler, ScanMember
from tierwise.metrics.compilers.registry import COMPILERS, compiler_for

__all__ = [
    "COMPILERS",
    "Assembly",
    "MetricCompiler",
    "RelationCompiler",
    "ScanMember",
    "compiler_for",
    "content",
    "creators",
    "derived",
    "isv",
    "orders",
    "partners",
    "sellers",
]
