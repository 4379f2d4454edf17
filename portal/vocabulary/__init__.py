"""Translated labels of domain values, below services: pages, PDFs and the command line
all name a stored value here.

One small table per closed list (`incidents`, `consent`, `people`, `evidence`, `audit`,
`dossiers`) and one lookup (`lookup`): `label(Agency, "other")`. The web layer only
turns these labels into form choices.
"""

from __future__ import annotations

from portal.vocabulary.lookup import (
    VOCABULARIES,
    every_label,
    label,
    namer,
    texts,
    vocabulary_name,
)

__all__ = ["VOCABULARIES", "every_label", "label", "namer", "texts", "vocabulary_name"]
