"""A run's fingerprint: what it read, written `DATA:INPUTS` in `runs.data_fingerprint`.

The data part is the digest of every table the program reads (`service.data_fingerprint`);
appeals compare it with the data as it is now to find the periods to restate. The inputs
part digests the rest of what a recorded run started from (first period, standings,
decisions); a restatement has none. Parsed and written here only, so no caller splits the
text itself.
"""

from __future__ import annotations

from dataclasses import dataclass

_SEPARATOR = ":"


@dataclass(frozen=True)
class RunFingerprint:
    """The digest of the data a run read and, for a recorded run, of its other inputs."""

    data: str
    inputs: str | None = None

    def __post_init__(self) -> None:
        for part in (self.data, self.inputs):
            if part is not None and (not part or _SEPARATOR in part):
                raise ValueError(f"a fingerprint part is non-empty and has no ':': {part!r}")

    @classmethod
    def parse(cls, text: str) -> RunFingerprint:
        """The fingerprint stored as `text` (`DATA` or `DATA:INPUTS`)."""
        data, separator, inputs = text.partition(_SEPARATOR)
        return cls(data, inputs if separator else None)

    def __str__(self) -> str:
        return self.data if self.inputs is None else f"{self.data}{_SEPARATOR}{self.inputs}"

    def reads(self, data: str) -> bool:
        """Whether the run read exactly this data (the digest of the tables as they are now)."""
        return self.data == data
