""" "If the period ended today": the running period projected on the data so far.

projected = project(con, state, program)        # every partner, one evaluation
projected.of("P1").needs                          # what each metric needs per day left
"""

from tierwise.projection.service import Need, ProjectedPeriod, Projection, project

__all__ = ["Need", "ProjectedPeriod", "Projection", "project"]
