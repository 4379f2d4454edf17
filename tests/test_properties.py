"""Property-based tests of every form (hypothesis): hostile input gets a clear
answer, never a 500, and never changes stored data it should not change.

For each form, hypothesis starts from a valid submission and spoils some fields:
arbitrary Unicode (controls, bidi marks, astral planes, NUL), huge values, bytes that
are not UTF-8, numbers and lists where text is expected, repeated fields, unknown
fields. The body is sent as a browser would (urlencoded, with the page's CSRF token).

The answer must be a redirect (accepted), the form again with an error message beside
a field (200/400/422), or a clear refusal (404 for an object outside scope, 413 too
large, 429 throttled). When the form is shown again, no row changed (only the audit
log and the session bookkeeping may move); when it is accepted, only the tables the
form owns changed.

Examples are few per form (MAX_EXAMPLES) and derandomized, so CI is fast and
reproducible; raise PORTAL_HYPOTHESIS_EXAMPLES locally to search harder.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from portal.models import Incident, Role, db
from tests.support.client import CSRF_FIELD, BrowserClient
from tests.support.factories import Account
from tests.support.figures import RecordProperty, report_figures
from tests.support.journeys import sign_in
from tests.support.reports import BASE_FORM, start_report
from tests.test_object_scope import build_scope

MAX_EXAMPLES = int(os.environ.get("PORTAL_HYPOTHESIS_EXAMPLES", "6"))
# Shrinking a failure through a whole app can take minutes: off unless asked for; the
# failing example is printed as found.
PHASES = tuple(Phase) if os.environ.get("PORTAL_HYPOTHESIS_SHRINK") else (
    Phase.explicit, Phase.reuse, Phase.generate)
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, phases=PHASES,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
ALWAYS_MAY_CHANGE = {"audit_events", "audit_chain_head", "user_sessions", "jobs"}
CLEAR_STATUSES = {200, 302, 303, 400, 404, 409, 413, 422, 429}
CURRENT = "(the version the page shows)"
LOCK_FIELD = re.compile(r'name="lock_version" type="hidden" value="(\d+)"')
ERROR_MARKS = ("error-summary", "error-message")

# Spoilt values, as the bytes a browser (or an attacker) would send.
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
spoilt_value = st.one_of(
    unicode_text.map(lambda s: s.encode()),
    st.sampled_from(["\x00", "\u202e\u2066evil", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "' OR 1=1 --",
                     "<script>alert(1)</script>", "../../etc/passwd", "%00", "-1",
                     "99999999999999999999999", "1e309", "NaN", "[]", "{}", "true",
                     "۱۲۳۴", "²", "𝟙𝟚", "0x10", " "]).map(lambda s: s.encode()),
    st.binary(max_size=40),  # not UTF-8, most of the time
    st.tuples(st.sampled_from(["ا", "a", "€", "😀", "\u200c"]),
              st.integers(70_000, 150_000)).map(lambda p: (p[0] * p[1]).encode()),
)


@dataclass(frozen=True)
class FormSpec:
    """A form: who fills it, where, a valid submission, and the tables it owns."""

    name: str
    who: str
    page: Callable[[dict[str, int]], str]
    action: Callable[[dict[str, int]], str]
    valid: Callable[[dict[str, int]], dict[str, str | list[str]]]
    owns: frozenset[str]
    quiet_ok: bool = False  # shown again without a message is right (a preview)


def spec(name: str, who: str, page: Callable[[dict[str, int]], str],
         valid: Callable[[dict[str, int]], dict[str, str | list[str]]], owns: set[str],
         action: Callable[[dict[str, int]], str] | None = None,
         quiet_ok: bool = False) -> FormSpec:
    return FormSpec(name, who, page, action or page, valid, frozenset(owns), quiet_ok)


INCIDENT_TABLES = {"incidents", "incident_agencies", "incident_harms", "incident_targets",
                   "incident_types", "incident_revisions", "authority_reports",
                   "search_tokens"}
DOSSIER_TABLES = {"dossiers", "dossier_sections", "dossier_contributors", "dossier_incidents",
                  "dossier_exhibits"}
FORMS = [
    spec("incident", "member", lambda ids: f"/reports/{ids['draft']}/edit",
         lambda ids: {**BASE_FORM, "start_text": "1398/10/18",
                      "action": "save"}, INCIDENT_TABLES),
    spec("incident-amend", "member", lambda ids: f"/reports/{ids['incident_id']}/edit",
         lambda ids: {**BASE_FORM, "start_text": "1398/10/18", "action": "amend"},
         INCIDENT_TABLES),
    spec("consent", "member", lambda ids: f"/reports/{ids['incident_id']}/consent",
         lambda ids: {"destinations": ["icc_prosecutor"], "disclosure": "pseudonym",
                      "testify": "no"}, {"consent_records"}),
    spec("person", "member", lambda ids: f"/family/{ids['family_id']}/people/new",
         lambda ids: {"name_latin": "Sample Relative", "name_persian": "نمونه",
                      "residence": "iran", "residence_country": "IR"},
         {"people", "families", "search_tokens"}),  # the family numbers its people
    spec("thread", "member", lambda ids: f"/reports/{ids['incident_id']}/thread",
         lambda ids: {"body": "A fictional answer."}, {"incident_messages", "incidents"}),
    spec("verification", "advocate", lambda ids: f"/reports/{ids['incident_id']}",
         lambda ids: {"verification": "corroborated", "notes": "Checked."}, {"incidents"},
         action=lambda ids: f"/reports/{ids['incident_id']}/review"),
    spec("legal-tag", "advocate", lambda ids: f"/reports/{ids['incident_id']}",
         lambda ids: {"tag": "Art. 7(1)(h)"}, {"legal_tags"},
         action=lambda ids: f"/reports/{ids['incident_id']}/tags"),
    spec("report-link", "advocate", lambda ids: f"/reports/{ids['incident_id']}",
         lambda ids: {"linked_id": str(ids["draft"]), "kind": "related"}, {"incident_links"},
         action=lambda ids: f"/reports/{ids['incident_id']}/links"),
    spec("evidence-description", "member", lambda ids: f"/evidence/{ids['item_id']}/describe",
         lambda ids: {"title": "Summons", "kind": "photo", "claim_source": "user",
                      "claim_trusted": "unknown", "classification": "confidential"},
         {"evidence_items", "custody_events"}),
    spec("dossier-new", "advocate", lambda ids: "/dossiers/new",
         lambda ids: {"title": "Fictional dossier", "kind": "article_15",
                      "destination": "icc_prosecutor", "language": "en",
                      "earlier_reference": ""}, DOSSIER_TABLES),
    spec("dossier-details", "advocate", lambda ids: f"/dossiers/{ids['dossier_id']}/details",
         lambda ids: {"title": "Fictional dossier", "kind": "article_15",
                      "destination": "icc_prosecutor", "language": "en",
                      "earlier_reference": "", "lock_version": CURRENT},
         {"dossiers"}),
    spec("redaction", "advocate", lambda ids: f"/dossiers/{ids['dossier_id']}/redactions",
         lambda ids: {"text": "Sample", "reason": "R2"}, {"dossier_redactions"}),
    spec("section", "advocate",
         lambda ids: f"/dossiers/{ids['dossier_id']}/sections/background",
         lambda ids: {"body": "Some **background**.", "lock_version": CURRENT,
                      "action": "save"}, {"dossier_sections"}, quiet_ok=True),
    spec("review", "reviewer", lambda ids: f"/dossiers/{ids['in_review']}/review",
         lambda ids: {"decision": "return", "comments": "Please add dates.",
                      "content_hash": "0" * 64}, {"dossiers", "dossier_reviews"}),
    spec("invitation", "advocate", lambda ids: "/invitations/new",
         lambda ids: {"display_name": "Invited Relative", "family_id": str(ids["family_id"]),
                      "role": "family_member", "locale": "fa"}, {"invitations"}),
    spec("passphrase", "member", lambda ids: "/account/passphrase",
         lambda ids: {"current": "not the passphrase", "new": "another long passphrase"},
         set()),
    spec("login", "anonymous", lambda ids: "/login",
         lambda ids: {"username": "nobody", "passphrase": "wrong wrong wrong"}, {"users"}),
]


def table_digests() -> dict[str, str]:
    digests = {}
    for name in inspect(db.engine).get_table_names():
        rows = db.session.execute(text(f'SELECT * FROM "{name}"')).all()  # noqa: S608
        digests[name] = hashlib.sha256("\n".join(sorted(repr(tuple(r)) for r in rows))
                                       .encode()).hexdigest()
    return digests


@st.composite
def spoilt_submission(draw: st.DrawFn, valid: dict[str, str | list[str]]
                      ) -> list[tuple[str, bytes]]:
    """The valid fields with some spoilt, some repeated, and maybe some unknown ones."""
    pairs: list[tuple[str, bytes]] = []
    names = sorted(valid)
    spoil = draw(st.sets(st.sampled_from(names), min_size=1)) if names else set()
    for name in names:
        values = valid[name] if isinstance(valid[name], list) else [valid[name]]
        if name in spoil:
            values = draw(st.lists(spoilt_value, min_size=0, max_size=3))  # type: ignore[assignment]
        pairs += [(name, v if isinstance(v, bytes) else str(v).encode()) for v in values]
    pairs += draw(st.lists(st.tuples(st.sampled_from(["x", "id", "role", "status",
                                                      "reporter_id", "__proto__"]),
                                     spoilt_value), max_size=2))
    return pairs


def signed_in_clients(app: Flask, insiders: object, reviewer_client: BrowserClient
                      ) -> dict[str, BrowserClient]:
    clients: dict[str, BrowserClient] = {"anonymous": app.test_client(),  # type: ignore[dict-item]
                                         "reviewer": reviewer_client}
    for who in ("member", "advocate"):
        account: Account = getattr(insiders, who)
        clients[who] = app.test_client()  # type: ignore[assignment]
        sign_in(clients[who], account, code_offset=1)  # the current code was used
    return clients


def test_hostile_input_gets_a_clear_answer_and_changes_only_what_the_form_owns(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        record_property: RecordProperty):
    """One world for every form (building it is most of the cost); each form in turn."""
    insiders, scope, in_review = build_scope(app, client, another_client)
    clients = signed_in_clients(app, insiders, another_client)
    ids = {k: v for k, v in scope.items() if isinstance(v, int)}
    ids["in_review"] = in_review
    ids["draft"] = start_report(clients["member"])
    with app.app_context():
        assert db.session.get(Incident, ids["draft"]) is not None
    statuses: set[int] = set()
    for form in FORMS:
        statuses |= try_form(app, clients[form.who], form, ids)
    report_figures(record_property, f"{len(FORMS)} forms, {MAX_EXAMPLES} hostile submissions "
                   f"each; answers {sorted(statuses)}, never a 500, nothing stored outside "
                   "what each form owns")


def try_form(app: Flask, visitor: BrowserClient, form: FormSpec,
             ids: dict[str, int]) -> set[int]:
    seen: set[int] = set()

    @SETTINGS
    @given(pairs=spoilt_submission(form.valid(ids)))
    def attempt(pairs: list[tuple[str, bytes]]) -> None:
        page = visitor.get(form.page(ids))
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, f"{form.name}: no form at {form.page(ids)} ({page.status_code})"
        shown = LOCK_FIELD.search(page.get_data(as_text=True))
        pairs = [(n, shown.group(1).encode() if shown and v == CURRENT.encode() else v)
                 for n, v in pairs]
        body = urlencode([("csrf_token", match.group(1).encode()), *pairs])
        with app.app_context():
            before = table_digests()
        response = visitor.post(form.action(ids), data=body,
                                content_type="application/x-www-form-urlencoded")
        seen.add(response.status_code)
        html = response.get_data(as_text=True)
        assert response.status_code in CLEAR_STATUSES, (form.name, response.status_code,
                                                          html[:800])
        with app.app_context():
            changed = {n for n, d in table_digests().items() if before.get(n) != d}
        changed -= ALWAYS_MAY_CHANGE
        assert changed <= form.owns, (form.name, response.status_code, changed)
        explained = any(mark in html for mark in ERROR_MARKS)
        if explained:  # the form shown again with its errors: nothing was stored
            assert changed == set(), (form.name, "refused, yet stored", changed)
        elif response.status_code in (200, 400, 422) and not changed and not form.quiet_ok:
            assert "flash--error" in html, (form.name, "refused without a word", html[:1500])

    attempt()
    assert seen, form.name
    return seen


def test_the_forms_list_covers_every_form_with_free_text():
    """Adding a form class without a property test here should be a conscious choice."""
    covered = {f.name for f in FORMS}
    for needed in ("incident", "consent", "person", "evidence-description", "dossier-details",
                   "redaction", "section", "review", "login", "invitation"):
        assert needed in covered
    assert len({f.name for f in FORMS}) == len(FORMS)
    assert select  # keeps the import honest for future row checks
    assert Role.FAMILY_MEMBER


def test_numbers_that_are_not_row_ids_are_refused_clearly(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    """Digits Python's isdigit() accepts but int() does not, and numbers beyond any row
    id (SQLite and PostgreSQL overflow), where a form asks for a report or a person."""
    insiders, scope, _ = build_scope(app, client, another_client)
    advocate = signed_in_clients(app, insiders, another_client)["advocate"]
    incident_id, dossier_id = scope["incident_id"], scope["dossier_id"]
    for number in ("²", "𝟙", "9" * 25, "-1"):  # typed by hand or forged, never offered
        linked = advocate.post_form(f"/reports/{incident_id}/links", {
            "linked_id": number, "kind": "related"}, token_page=f"/reports/{incident_id}")
        sent = advocate.post_form(f"/dossiers/{dossier_id}/send", {"reviewer": number},
                                  token_page=f"/dossiers/{dossier_id}")
        added = advocate.post_form(f"/dossiers/{dossier_id}/incidents", {"incident_id": number},
                                   token_page=f"/dossiers/{dossier_id}/choose")
        assert (linked.status_code, sent.status_code) == (302, 302), number
        assert added.status_code in (302, 400, 404), (number, added.status_code)  # "𝟙" is 1


def test_a_receipt_link_with_odd_digits_is_refused_clearly(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    insiders, scope, _ = build_scope(app, client, another_client)
    member = signed_in_clients(app, insiders, another_client)["member"]
    response = member.get(f"/reports/{scope['incident_id']}/evidence/receipt?items=²")
    assert response.status_code in (200, 404)
