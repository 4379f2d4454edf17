"""Dossier rendering (DESIGN §3, §5): plain document data to a PDF/A-3b file.

`document` holds the data; `html` turns it into our own templates (no ORM object, no
user HTML); `layout` runs WeasyPrint with `fetcher` (only pre-authorised derived
images and our fonts) and aligns the confidential and public variants page for page;
`worker` runs the layout in a limited child process; `attach` embeds the manifests;
`signing`, `bundle` and `verify` sign, package and check a dossier offline.
"""
