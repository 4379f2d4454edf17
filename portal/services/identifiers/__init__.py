"""Identifiers recorded on reports and evidence, and the links they make across family
files without showing one family's content to another (decision 0028).

`records` adds, removes and opens them; `links` counts, for an identifier, the reports
and family files that name it and lists the ones the viewer may open; `recurring` is
the advocates' view of the identifiers that recur most.
"""
