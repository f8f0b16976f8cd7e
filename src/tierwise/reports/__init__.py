"""Reports: a partner's report of a program and period (level and history chart, every
metric with its band or component beside the previous period, the gap to the next level
with its actions, the rights of the level) and an operator's program report (partners per
level, who moved, who is close to a boundary), as PDF, HTML or xlsx, in English, Chinese or
Thai. Built from the published run in the state store and the program's definition; never
evaluated again."""

from tierwise.reports.content import (
    MetricRow,
    Mover,
    PartnerReport,
    ProgramReport,
    partner_report,
    program_report,
)
from tierwise.reports.formats import FORMATS, MEDIA_TYPES, Format, partner_file, program_file

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Format",
    "MetricRow",
    "Mover",
    "PartnerReport",
    "ProgramReport",
    "partner_file",
    "partner_report",
    "program_file",
    "program_report",
]
