"""Dossiers: building (builder, consent_gate), writing (sections, markup, facts,
patterns), reviewing (workflow) and assembling the document a preview or a PDF shows."""
