"""Views of the reports blueprint."""
