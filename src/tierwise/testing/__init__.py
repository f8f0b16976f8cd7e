"""Helpers shipped for tests: build small worlds of platform data by hand."""
