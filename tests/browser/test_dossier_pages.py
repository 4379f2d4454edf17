"""The dossier pages (the dossier, choosing reports, the preview, the legal review) in
English, Persian and French: no serious or critical axe-core violation, nothing wider
than the window, `lang`/`dir` right, Persian digits on Persian pages.

With PORTAL_WRITE_SCREENSHOTS=1 each page is saved under docs/screenshots/<locale>/,
numbered after the main pages of test_main_pages.py.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser.pages import LoginPage, PortalPage
from tests.browser.test_main_pages import page_problems
from tests.browser.tour import MAIN_PAGES
from tests.support.client import BrowserClient
from tests.support.dossier_world import DossierWorld, build_dossier_world

# (name of the screenshot, who sees it, path)
DOSSIER_PAGES = [
    ("dossiers", "advocate", lambda w: "/dossiers"),
    ("dossier", "advocate", lambda w: f"/dossiers/{w.draft_id}"),
    ("dossier-choose", "advocate", lambda w: f"/dossiers/{w.draft_id}/choose"),
    ("dossier-preview", "reviewer", lambda w: f"/dossiers/{w.in_review_id}/preview"),
    ("dossier-review", "reviewer", lambda w: f"/dossiers/{w.in_review_id}/review"),
    ("dossier-occurrences", "reviewer", lambda w: f"/dossiers/{w.in_review_id}/occurrences"),
]

IN_DOSSIER_LANGUAGE = {"dossier-preview"}
DOSSIER_LANGUAGE = {"fa": "en"}  # see tests/support/dossier_world.py::new_dossier


@pytest.mark.parametrize("locale", ["en", "fa", "fr"])
def test_dossier_pages_are_accessible_fit_the_screen_and_follow_the_language(
        app: Flask, client: BrowserClient, visit, locale: str):
    world: DossierWorld = build_dossier_world(app, client, locale)
    pages: dict[str, PortalPage] = {}
    for who, account in (("advocate", world.advocate), ("reviewer", world.reviewer)):
        context = visit(locale=locale)
        # the world was built with the current code: the next one is still accepted
        LoginPage(context.page).sign_in(account.username, account.passphrase, account.code(1))
        pages[who] = PortalPage(context.page)
    problems: dict[str, list[str]] = {}
    for number, (name, who, path_of) in enumerate(DOSSIER_PAGES, start=len(MAIN_PAGES) + 1):
        page = pages[who]
        response = page.page.goto(path_of(world))
        assert response is not None
        assert response.status == 200, (name, response.status)
        # The preview is the dossier itself, in its own language (English or French,
        # as the ICC works in them): a Persian-speaking reviewer reads it in English.
        shown = DOSSIER_LANGUAGE.get(locale, locale) if name in IN_DOSSIER_LANGUAGE else locale
        found = page_problems(page, name, shown, number, locale=locale)
        if found:
            problems[name] = found
    assert problems == {}, "\n".join(f"{name}: {p}" for name, ps in problems.items()
                                     for p in ps)
