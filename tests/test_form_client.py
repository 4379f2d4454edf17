"""The test client fills in forms as a browser does, and refuses what no browser could
send: a field the page does not render, a choice the form does not offer."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask, render_template_string

from tests.support.client import BrowserClient
from tests.support.factories import Account
from tests.support.html_forms import RenderedForm, choose_form, fill, parse_forms
from tests.support.reports import BASE_FORM, start_report

PROBE = """
<form method="get" action="/search"><input name="q" value="not sent: not a post"></form>
<form method="post" action="/probe/save#top">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <input type="hidden" name="lock_version" value="7">
  <input name="title" value="Kept title">
  <textarea name="notes">
First line</textarea>
  <input type="checkbox" name="topics" value="summons" checked>
  <input type="checkbox" name="topics" value="travel_ban">
  <input type="checkbox" name="urgent" value="y">
  <input type="radio" name="calendar" value="gregorian">
  <input type="radio" name="calendar" value="solar_hijri" checked>
  <select name="country"><option value="">Choose</option><option value="IR">Iran</option>
    <option value="CA" selected>Canada</option></select>
  <select name="languages" multiple><option value="fa" selected>فارسی</option>
    <option value="en">English</option><option value="de" disabled>Deutsch</option></select>
  <select name="first"><option value="a">A</option><option value="b">B</option></select>
  <input name="locked" value="x" disabled>
  <fieldset disabled><input name="behind_a_disabled_fieldset" value="y"></fieldset>
  <input type="reset" name="reset" value="Clear">
  <button type="submit" name="action" value="save">Save</button>
  <button type="submit" name="action" value="submit">Submit</button>
</form>
<form method="post"><input type="hidden" name="row" value="self"><button>Here</button></form>
<form method="post" action="rows"><input type="hidden" name="row" value="1"></form>
<form method="post" action="rows"><input type="hidden" name="row" value="2"></form>
<form method="post" action="/probe/upload" enctype="multipart/form-data">
  <input type="file" name="files" multiple><button type="submit">Upload</button>
</form>
"""
PAGE = "/probe/page"


@pytest.fixture
def probe(app: Flask) -> list[RenderedForm]:
    with app.test_request_context(PAGE):
        return parse_forms(render_template_string(PROBE), PAGE)


def sent(forms: list[RenderedForm], data: dict[str, Any], action: str | None = "/probe/save"
         ) -> dict[str, list[Any]]:
    return dict(choose_form(forms, PAGE, data, action)[1].lists())


def problems(forms: list[RenderedForm], data: dict[str, Any]) -> str:
    [form] = [f for f in forms if f.action == "/probe/save"]
    return "; ".join(fill(form, data)[1])


def test_only_forms_that_post_are_read_and_actions_resolve_against_the_page(
        probe: list[RenderedForm]):
    assert [f.action for f in probe] == [
        "/probe/save", PAGE, "/probe/rows", "/probe/rows", "/probe/upload"]


def test_an_untouched_form_sends_what_a_browser_sends(probe: list[RenderedForm]):
    data = sent(probe, {})
    assert len(data.pop("csrf_token")[0]) > 20
    assert data == {
        "lock_version": ["7"], "title": ["Kept title"], "notes": ["First line"],
        "topics": ["summons"], "calendar": ["solar_hijri"], "country": ["CA"],
        "languages": ["fa"], "first": ["a"],  # a drop-down with nothing selected shows its first
        "action": ["save"],  # pressing Enter clicks the first button
    }  # no unticked box, no disabled field, no reset button


def test_given_values_replace_the_defaults(probe: list[RenderedForm]):
    data = sent(probe, {"title": None, "notes": "Changed", "topics": ["travel_ban", "summons"],
                        "urgent": "y", "calendar": "gregorian", "country": "IR",
                        "languages": ["fa", "en"], "action": "submit"})
    assert {k: v for k, v in data.items() if k not in ("csrf_token", "lock_version")} == {
        "title": [""], "notes": ["Changed"], "topics": ["travel_ban", "summons"],
        "urgent": ["y"], "calendar": ["gregorian"], "country": ["IR"],
        "languages": ["fa", "en"], "first": ["a"], "action": ["submit"]}


def test_none_unticks_a_box_that_was_ticked(probe: list[RenderedForm]):
    assert "topics" not in sent(probe, {"topics": None})


def test_a_field_the_page_does_not_render_is_refused(probe: list[RenderedForm]):
    assert "has no field 'narrative'" in problems(probe, {"narrative": "x"})
    assert "field 'locked' is disabled" in problems(probe, {"locked": "y"})
    assert "has no field 'q'" in problems(probe, {"q": "a get form's field"})


@pytest.mark.parametrize(("field", "value"), [
    ("country", "FR"), ("country", ["IR", "CA"]), ("topics", ["summons", "hacking"]),
    ("calendar", "julian"), ("calendar", ["gregorian", "solar_hijri"]),
    ("languages", ["de"]), ("urgent", "on"), ("action", "delete")])
def test_a_choice_the_form_does_not_offer_is_refused(probe: list[RenderedForm], field: str,
                                                     value: object):
    assert f"{field!r}" in problems(probe, {field: value})


def test_a_drop_down_cannot_be_emptied_nor_a_hidden_value_changed(probe: list[RenderedForm]):
    assert "drop-down 'country' always sends one of" in problems(probe, {"country": None})
    assert "hidden field 'lock_version' is '7'" in problems(probe, {"lock_version": "6"})
    assert problems(probe, {"lock_version": "7"}) == ""


def test_of_several_forms_to_one_address_the_one_that_takes_the_data_is_sent(
        probe: list[RenderedForm]):
    assert sent(probe, {"row": "2"}, "/probe/rows")["row"] == ["2"]
    assert sent(probe, {}, None)["row"] == ["self"]  # no action: the page's own form
    with pytest.raises(AssertionError, match="hidden field 'row'"):
        sent(probe, {"row": "3"}, "/probe/rows")
    with pytest.raises(AssertionError, match="has no form that posts to /probe/elsewhere"):
        sent(probe, {}, "/probe/elsewhere")


def test_a_file_input_sends_an_empty_part_or_the_files_given(probe: list[RenderedForm]):
    [(stream, filename)] = sent(probe, {}, "/probe/upload")["files"]
    assert (stream.read(), filename) == (b"", "")
    files = [(io.BytesIO(b"one"), "one.txt"), (io.BytesIO(b"two"), "two.txt")]
    assert sent(probe, {"files": files}, "/probe/upload")["files"] == files
    with pytest.raises(AssertionError, match="'files' is a file input"):
        sent(probe, {"files": "not a file"}, "/probe/upload")


# -- against the portal's own pages ----------------------------------------------------------


def test_the_report_form_is_filled_in_from_what_the_page_renders(
        client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    url = f"/reports/{incident_id}/edit"
    saved = client.submit(url, {**BASE_FORM, "narrative": "Saved through the form.",
                                "action": "save"})
    assert saved.status_code == 302
    # Untouched, the form sends back what it shows: the narrative survives a second save.
    assert client.submit(url, {"action": "save"}).status_code == 302
    assert "Saved through the form." in client.text(url)


def test_a_field_missing_from_the_report_form_fails_the_test_that_fills_it(
        client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    url = f"/reports/{incident_id}/edit"
    with pytest.raises(AssertionError, match=(
            rf"the form on {url} that posts to {url} has no field 'mood'.*post_form")):
        client.submit(url, {**BASE_FORM, "mood": "calm", "action": "save"})
    with pytest.raises(AssertionError, match="'type_codes' offers no 'alien_abduction'"):
        client.submit(url, {**BASE_FORM, "type_codes": ["alien_abduction"], "action": "save"})


def test_post_form_sends_what_no_form_offers_and_the_portal_refuses_it(
        client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    url = f"/reports/{incident_id}/edit"
    response = client.post_form(url, {**BASE_FORM, "type_codes": ["alien_abduction"],
                                      "action": "save"})
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)


def test_a_page_that_does_not_answer_200_has_no_form_to_fill(client: BrowserClient,
                                                             reporter: Account):
    with pytest.raises(AssertionError, match="answered 404: a browser would see no form"):
        client.submit("/reports/999999/edit", {"action": "save"})
