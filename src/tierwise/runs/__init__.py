"""Runs over time: periods evaluated in order with the lifecycle applied, gated, stored."""
