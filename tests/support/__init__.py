"""Helpers shared by the test suite: a browser-like client, factories, leak checks."""
