"""A synthetic e-commerce platform in the canonical data contract.

`generate` writes every contract table for a scale and seed, deterministically (same seed,
scale and format give the same bytes). In the `small` scale and above, planted archetype
partners reach every level of every built-in program in the latest complete period; see
`tierwise.synth.archetypes`.
"""

from tierwise.synth.scale import SCALES, Scale
from tierwise.synth.world import GenerationReport, TableReport, generate
from tierwise.synth.writer import FORMATS

__all__ = ["FORMATS", "SCALES", "GenerationReport", "Scale", "TableReport", "generate"]
