"""Use cases. Each takes the acting user and its dependencies; flushes, never commits."""
