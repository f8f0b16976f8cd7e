"""Operator facts entered in the portal and the API (the ISV's quarterly key-project,
capability, compliance… values): checked against the program, stored, audited, and read
by the evaluation with the loaded facts."""
