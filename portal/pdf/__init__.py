"""Dossier rendering (DESIGN §3, §5): plain document data to a PDF/A-3b file.

`document` holds the data; `html` turns it into our own templates (no ORM object, no
user HTML); `layout` runs WeasyPrint with `fetcher` (only pre-authorised derived
images and our fonts) and aligns the confidential and public variants page for page;
`worker` runs the layout in a limited child process; `attach` embeds the manifests;
`pki` (with `pki_issue`, `pki_import`) keeps the signing keys and certificates; `sign`,
`bundle` and `verify` sign, package and check a dossier offline.

Importing these modules loads no PDF library, so a web process that never exports
does not carry them: WeasyPrint, pikepdf, pyHanko (with asn1crypto) and bagit are
imported inside the functions that use them, and the two subclasses of library
classes live in modules only those functions import (`fetcher`: WeasyPrint's URL
fetcher; `timestamper`: pyHanko's timestamper). `verify` is standalone and imports
them at the top; only `flask dossier verify` imports it, when it runs, and the
"Verify a dossier" page runs it in a limited child (`verify_child`).
tests/test_lean_imports.py checks this.
"""
