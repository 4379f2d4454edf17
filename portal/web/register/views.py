"""Views of the register blueprint."""
