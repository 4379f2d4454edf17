"""The dossier's safe markup: Markdown without raw HTML, links or images, then sanitised.

Unit tests: no app, no database. Whatever an author types, the output holds no element
or attribute that could run script, load anything, or leave the page.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.services.dossiers.markup import render_markup, sanitise_html

SAFE_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "h3", "h4"}


class ElementsSeen(HTMLParser):
    """What a browser would build from the HTML: elements, attributes and comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()
        self.comments = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update((tag, name) for name, _ in attrs)

    def handle_comment(self, data: str) -> None:
        self.comments += 1


def assert_inert(html: str) -> None:
    seen = ElementsSeen()
    seen.feed(html)
    assert seen.tags <= SAFE_TAGS, html
    assert seen.attributes <= {("ol", "start")}, html
    assert seen.comments == 0, html


@pytest.mark.parametrize("typed", [
    "<script>alert(1)</script>",
    "Text <script src=//evil.example/x.js></script> text",
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)">click</p>',
    '<a href="javascript:alert(1)">link</a>',
    "[link](javascript:alert(1))",
    "[link](https://evil.example/)",
    "<https://evil.example/>",
    "![tracking pixel](https://evil.example/pixel.png)",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<!-- hidden --> visible",
    "<style>body{display:none}</style>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "[x](&#106;avascript:alert(1))",
    "<scr<script>ipt>alert(1)</script>",
    "```html\n<script>alert(1)</script>\n```",
])
def test_dangerous_input_is_shown_as_text_or_dropped(typed: str) -> None:
    assert_inert(str(render_markup(typed)))


def test_raw_html_is_shown_as_text_not_interpreted() -> None:
    assert str(render_markup("<b>bold</b>")) == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render_markup("<script>alert(1)</script>")


def test_a_url_stays_visible_as_plain_text_never_a_link() -> None:
    html = str(render_markup("See [the ruling](https://example.org/ruling) and https://example.org"))
    assert "<a" not in html
    assert "https://example.org" in html


def test_the_small_markup_renders_paragraphs_emphasis_lists_quotes_and_headings() -> None:
    html = str(render_markup("# Title\n\n## Part\n\n### Sub\n\nSome *em* and **strong**.\n\n"
                             "- one\n- two\n\n3. third\n4. fourth\n\n> quoted"))
    assert "<h3>Title</h3>" in html  # the page owns h1 and h2: headings are demoted
    assert "<h3>Part</h3>" in html
    assert "<h4>Sub</h4>" in html
    assert "<em>em</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<ul>\n<li>one</li>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>" in html


def test_the_sanitiser_alone_removes_what_the_renderer_should_never_emit() -> None:
    # Defence in depth: if the Markdown layer ever let HTML through, this layer holds.
    dirty = ('<p style="color:red" onclick="x()">a</p><img src=x onerror=y()>'
             '<a href="javascript:z()">b</a><script>alert(1)</script><table><tr><td>c</td>'
             '</tr></table><ol start="2" type="a"><li>d</li></ol>')
    clean = sanitise_html(dirty)
    assert_inert(clean)
    assert "alert" not in clean  # a script's content goes with it
    assert "c" in clean  # the text of a dropped table is kept
    assert '<ol start="2">' in clean


def test_empty_and_persian_text_are_fine() -> None:
    assert str(render_markup("")) == ""
    assert "خانواده‌ها" in render_markup("خانواده‌ها *تهدید* شدند")
