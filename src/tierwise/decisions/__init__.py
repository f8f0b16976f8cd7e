"""Operator decisions (invite, downgrade, remove, continue an invitation, override): checked
against the program's policy and the partner's published standing, recorded and audited."""
