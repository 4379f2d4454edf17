"""The shape of a vocabulary's labels: each member of one closed list to its text."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

# Keys are the members of ONE enum (a StrEnum member is also its value), texts are lazy
# so they read in the locale active when shown. One table per enum: two lists that
# share a value ("other") never share a label.
Labels = Mapping[str, LazyString]
