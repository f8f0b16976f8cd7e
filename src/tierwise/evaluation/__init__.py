"""The orchestrator: a program and a period in, scored and explained results out."""
