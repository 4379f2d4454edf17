"""Views of the families blueprint."""
