"""Views of the workspace blueprint."""
