"""Forms as a browser reads and sends them, from a page's HTML.

`parse_forms` reads every form of a page that posts; `fill` works out what a browser
sends once the user has set some fields, and why it could not (a field the form does
not render, a choice it does not offer, a hidden value changed); `choose_form` picks,
among the forms of a page, the one that posts to an address and can take the data.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from werkzeug.datastructures import MultiDict

ORIGIN = "http://localhost"


@dataclass(frozen=True)
class Control:
    """One named thing in a form that a browser may send."""

    name: str
    kind: str  # text, hidden, checkbox, radio, select, file, submit
    defaults: tuple[str, ...]  # what the browser sends if the user touches nothing
    offered: tuple[str, ...] = ()  # the values a choice can take
    disabled: bool = False
    multiple: bool = False


@dataclass(frozen=True)
class RenderedForm:
    action: str  # path and query it posts to
    multipart: bool
    controls: tuple[Control, ...]
    default_button: Control | None  # the first submit button: what pressing Enter sends

    def named(self, name: str) -> list[Control]:
        return [c for c in self.controls if c.name == name and not c.disabled]


def local_path(url: str) -> str:
    parts = urlsplit(urldefrag(url)[0])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _disabled(element: lxml.html.HtmlElement) -> bool:
    return element.get("disabled") is not None or bool(
        element.xpath("ancestor::fieldset[@disabled] | ancestor::optgroup[@disabled]"))


def _option_value(option: lxml.html.HtmlElement) -> str:
    value = option.get("value")
    return value if value is not None else " ".join(option.text_content().split())


def _select(element: lxml.html.HtmlElement, name: str, disabled: bool) -> Control:
    options = [o for o in element.iter("option") if not _disabled(o)]
    offered = tuple(_option_value(o) for o in options)
    multiple = element.get("multiple") is not None
    chosen = tuple(_option_value(o) for o in options if o.get("selected") is not None)
    if not multiple:  # a drop-down always shows, and sends, one option
        chosen = chosen[-1:] or offered[:1]
    return Control(name, "select", chosen, offered, disabled, multiple)


def _control(element: lxml.html.HtmlElement) -> Control | None:
    name, tag, disabled = element.get("name", ""), element.tag, _disabled(element)
    kind = (element.get("type") or ("submit" if tag == "button" else "text")).lower()
    if tag == "select":
        return _select(element, name, disabled)
    if tag == "textarea":
        # The HTML parser drops one newline that opens a textarea; so does a browser.
        text = element.text_content()
        return Control(name, "text", (text[1:] if text.startswith("\n") else text,), (),
                       disabled)
    if kind in ("button", "reset") or (tag == "button" and kind != "submit"):
        return None
    value = element.get("value")
    if kind in ("checkbox", "radio"):
        value = "on" if value is None else value
        checked = (value,) if element.get("checked") is not None else ()
        return Control(name, kind, checked, (value,), disabled)
    if kind in ("submit", "image"):
        return Control(name, "submit", (), (value or "",), disabled)
    if kind == "file":
        return Control(name, "file", (), (), disabled, element.get("multiple") is not None)
    return Control(name, "hidden" if kind == "hidden" else "text", (value or "",), (), disabled)


def parse_forms(html: str, page: str) -> list[RenderedForm]:
    """Every form of the page that posts, with the URL it posts to resolved against `page`."""
    document = lxml.html.document_fromstring(html)
    forms = []
    for form in document.iter("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        controls = [c for e in form.iter("input", "select", "textarea", "button")
                    if (c := _control(e)) is not None]
        buttons = [c for c in controls if c.kind == "submit" and not c.disabled]
        forms.append(RenderedForm(
            action=local_path(urljoin(ORIGIN + page, form.get("action") or page)),
            multipart=(form.get("enctype") or "").lower() == "multipart/form-data",
            controls=tuple(c for c in controls if c.name),
            default_button=buttons[0] if buttons else None))
    return forms


def _forms_posting_to(forms: list[RenderedForm], target: str,
                      exact: bool) -> list[RenderedForm]:
    """The forms posting to `target`; for "the page's own form", one that posts to the
    page without its query string will do (a login form drops `?next=` from its action
    and carries it in a hidden field)."""
    found = [f for f in forms if f.action == target]
    if found or exact:
        return found
    return [f for f in forms if urlsplit(f.action).path == urlsplit(target).path]


def choose_form(forms: list[RenderedForm], page: str, data: Mapping[str, Any],
                action: str | None) -> tuple[RenderedForm, MultiDict[str, Any]]:
    """The form of `page` posting to `action` that can take `data` (of several, the
    first that can: a row's own form among one per row), and what it sends."""
    target = local_path(urljoin(ORIGIN + page, action or page))
    candidates = _forms_posting_to(forms, target, exact=action is not None)
    assert candidates, f"{page} has no form that posts to {target}"
    attempts = [(form, *fill(form, data)) for form in candidates]
    form, sent, problems = min(attempts, key=lambda attempt: len(attempt[2]))
    assert not problems, (
        f"the form on {page} that posts to {target} " + "; ".join(problems)
        + ". (A test that sends what no browser could uses post_form.)")
    return form, sent


def _is_file(value: object) -> bool:
    return hasattr(value, "read") or (isinstance(value, tuple) and hasattr(value[0], "read"))


def _values(given: object) -> list[Any]:
    """A given value as the list of values sent: None sends nothing, a list sends each."""
    if given is None:
        return []
    if isinstance(given, list | tuple) and not _is_file(given):
        return list(given)
    return [given if _is_file(given) else str(given)]


def _check_choice(name: str, controls: list[Control], values: list[Any]) -> list[str]:
    offered = [v for c in controls for v in c.offered]
    kind = controls[0].kind
    problems = [f"{name!r} offers no {value!r} (it offers {offered})"
                for value in values if value not in offered]
    single = kind in ("radio", "submit") or (kind == "select" and not controls[0].multiple)
    if single and len(values) > 1:
        problems.append(f"{name!r} sends one value, not {values}")
    if kind == "select" and not controls[0].multiple and not values:
        problems.append(f"drop-down {name!r} always sends one of {offered}")
    return problems


def _check_file(name: str, values: list[Any]) -> list[str]:
    return [f"{name!r} is a file input: give it (stream, filename)"
            for value in values if not _is_file(value)]


def _check_typed(name: str, controls: list[Control], values: list[Any]) -> list[str]:
    if len(values) > len(controls):
        return [f"the form has {len(controls)} {name!r} field(s), not {len(values)}"]
    if any(_is_file(value) for value in values):
        return [f"{name!r} is not a file input"]
    return [f"hidden field {name!r} is {c.defaults[0]!r} on the page; a browser cannot "
            f"send {value!r}" for c, value in zip(controls, values, strict=False)
            if c.kind == "hidden" and c.defaults[0] != value]


def fill(form: RenderedForm, data: Mapping[str, Any]) -> tuple[MultiDict[str, Any], list[str]]:
    """What a browser sends after the user sets `data` in `form`, and why it could not."""
    problems: list[str] = []
    chosen: dict[str, list[Any]] = {}
    for name, given in data.items():
        controls = form.named(name)
        values = _values(given)
        if not controls:
            known = sorted({c.name for c in form.controls if not c.disabled})
            problems.append(f"has no field {name!r} (its fields: {known})"
                            if name not in {c.name for c in form.controls}
                            else f"field {name!r} is disabled")
            continue
        if len({c.kind for c in controls}) > 1:
            problems.append(f"{name!r} names controls of several kinds")
            continue
        if controls[0].kind in ("checkbox", "radio", "select", "submit"):
            problems += _check_choice(name, controls, values)
        elif controls[0].kind == "file":
            problems += _check_file(name, values)
        else:
            values = values or [""]  # an emptied box still sends ""
            problems += _check_typed(name, controls, values)
            values += [c.defaults[0] for c in controls[len(values):]]
        chosen[name] = values
    return _encode(form, chosen), problems


def _encode(form: RenderedForm, chosen: dict[str, list[Any]]) -> MultiDict[str, Any]:
    sent: MultiDict[str, Any] = MultiDict()
    for name in dict.fromkeys(c.name for c in form.controls if not c.disabled):
        controls = form.named(name)
        if name in chosen:
            values: Iterable[Any] = chosen[name]
        elif controls[0].kind == "file":
            values = [(io.BytesIO(b""), "")]  # a browser sends an empty part for no file
        else:
            values = [v for c in controls if c.kind != "submit" for v in c.defaults]
        if values := list(values):
            sent.setlist(name, values)
    clicked = any(form.named(name)[0].kind == "submit" for name in chosen)
    button = form.default_button
    if not clicked and button is not None and button.name:
        sent.setlist(button.name, list(button.offered))
    return sent
