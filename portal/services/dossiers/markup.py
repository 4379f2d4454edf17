"""The dossier's small safe markup: a subset of Markdown, rendered, then sanitised.

Two independent layers, so that a mistake in one is caught by the other:

1. markdown-it-py from its "zero" preset with only paragraphs, headings, lists, block
   quotes, emphasis and escapes switched on. Raw HTML is off, so `<script>` typed by an
   author is escaped and shown as text. Links, autolinks and images are off too: a
   dossier is printed and filed with a court, where a clickable link is useless and a
   remote image would be fetched by whoever opens it. A URL stays visible as plain text.
2. nh3 (the Ammonia sanitiser) keeps only the tags the renderer may emit, with no
   attributes except `start` on numbered lists, and no URL schemes at all.

Headings are demoted to h3/h4: the page (and the PDF) own h1 and h2.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "blockquote",
                          "h3", "h4"})
# `start` keeps a list that continues after a paragraph numbered as written (3., 4.).
ALLOWED_ATTRIBUTES = {"ol": {"start"}}

_RULES = ["heading", "lheading", "list", "blockquote", "emphasis", "escape", "entity"]


def _demote_headings(state: StateCore) -> None:
    """# and ## become h3, deeper levels h4."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3" if token.tag in ("h1", "h2") else "h4"


def _renderer() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    md.enable(_RULES)
    md.core.ruler.push("demote_headings", _demote_headings)
    return md


_MARKDOWN = _renderer()


def render_markup(text: str) -> Markup:
    """HTML for an author's Markdown, safe to put in a page or a PDF.

    Never raises on odd input; whatever is not allowed is shown as text or dropped.
    Assumes nothing about `text`: it may come from any advocate or admin.
    """
    return Markup(sanitise_html(_MARKDOWN.render(text or "")))  # noqa: S704 - sanitised


def sanitise_html(html: str) -> str:
    """The second layer on its own: only ALLOWED_TAGS, no other attribute, no URL."""
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=set(), link_rel=None, strip_comments=True)
