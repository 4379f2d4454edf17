"""The victims register and the incident taxonomy, maintained by admins.

The register lists people killed on PS752: public knowledge, so it is stored in
clear. Audit events about it still carry ids and counts only, never names.
Every rule is checked here, for the web form and the CSV import alike, and every
problem is reported at once so that a person can fix them all in one go.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.audit import AuditAction, Outcome, record_event
from portal.localization import normalize_digits
from portal.models import IncidentTypeTerm, User, Victim, db
from portal.policy import Permission, can
from portal.services.countries import country_codes
from portal.services.errors import PermissionDenied, ValidationFailed

MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 2000
MAX_AGE = 120
MAX_COUNTRIES_CHARS = 200  # the width of Victim.ties_countries
MAX_LABEL_CHARS = 120
MAX_TYPE_CODE_CHARS = 60
CSV_COLUMNS = ("name_latin", "name_persian", "age", "ties_countries", "ties_note")

# CLDR lists codes that ISO 3166-1 does not give to countries: the user-assigned
# ranges (AA, QM-QZ, XA-XZ, ZZ) and the reservations EU, EZ and UN.
_COUNTRY_SEPARATORS = re.compile(r"[\s;,]+")
_TYPE_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_T = TypeVar("_T")


class _HeaderProblem(ValidationFailed):
    """The CSV file's first line is not the expected header."""


class InvalidInput(ValidationFailed):
    """Several problems at once; `message` and `field` are those of the first."""

    def __init__(self, problems: list[ValidationFailed]) -> None:
        super().__init__(problems[0].message, problems[0].field)
        self.problems = problems


@dataclass(frozen=True)
class VictimInput:
    """A victim's details as typed in the form or read from a CSV row."""

    name_latin: str = ""
    name_persian: str = ""
    age: str = ""
    ties_countries: str = ""
    ties_note: str = ""


@dataclass(frozen=True)
class ImportProblem:
    line: int  # as a text editor counts lines; the header is line 1
    reason: str


@dataclass(frozen=True)
class ImportReport:
    imported: int
    problems: tuple[ImportProblem, ...] = ()


def list_victims() -> list[Victim]:
    return list(db.session.scalars(
        select(Victim).order_by(func.lower(Victim.name_latin), Victim.id)))


def create_victim(actor: User, data: VictimInput) -> Victim:
    """Add a victim to the register.

    Raises PermissionDenied for a non-admin; InvalidInput (a ValidationFailed)
    listing every problem, each with its field; nothing is stored then.
    """
    _require_manager(actor)
    victim = Victim()
    _apply(victim, _checked_victim(data, _register_names()))
    db.session.add(victim)
    db.session.flush()
    record_event(AuditAction.VICTIM_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="victim", target_id=victim.id)
    return victim


def update_victim(actor: User, victim: Victim, data: VictimInput) -> list[str]:
    """Change a victim's record; returns the names of the fields that changed.

    Raises like create_victim. An unchanged record records no event.
    """
    _require_manager(actor, victim)
    record = _checked_victim(data, _register_names(), victim_id=victim.id)
    before = {name: getattr(victim, name) for name in CSV_COLUMNS}
    _apply(victim, record)
    changed = [name for name in CSV_COLUMNS if getattr(victim, name) != before[name]]
    if changed:
        db.session.flush()
        record_event(AuditAction.VICTIM_UPDATED, Outcome.SUCCESS, actor=actor,
                     target_type="victim", target_id=victim.id,
                     details={"fields": " ".join(changed)})
    return changed


def import_victims_csv(actor: User, text: str) -> ImportReport:
    """Check every row of a CSV register file, then add all of them or none.

    Columns: name_latin, name_persian, age, ties_countries, ties_note (a header
    line naming them is required, in any order). A row naming a person already
    in the register, or named earlier in the file, is a problem. Returns the
    count imported, or every problem by line number (and then imports nothing).
    """
    _require_manager(actor)
    rows, problems = _read_rows(text)
    known = _register_names()
    seen_on_line: dict[str, int] = {}
    victims: list[Victim] = []
    for line, data in rows:
        try:
            record = _checked_victim(data, known)
        except InvalidInput as invalid:
            problems.extend(ImportProblem(line, str(p.message)) for p in invalid.problems)
            continue
        first = seen_on_line.setdefault(record.name_latin.casefold(), line)
        if first != line:
            problems.append(ImportProblem(line, str(_l(
                "The same person is already on line %(line)d of this file.", line=first))))
        victims.append(_apply(Victim(), record))
    if problems:
        return ImportReport(0, tuple(sorted(problems, key=lambda p: p.line)))
    db.session.add_all(victims)
    db.session.flush()
    record_event(AuditAction.VICTIMS_IMPORTED, Outcome.SUCCESS, actor=actor,
                 target_type="victim", details={"count": len(victims)})
    return ImportReport(len(victims))


def list_incident_types() -> list[IncidentTypeTerm]:
    return list(db.session.scalars(
        select(IncidentTypeTerm).order_by(IncidentTypeTerm.position, IncidentTypeTerm.id)))


def add_incident_type(actor: User, code: str, label_en: str, label_fa: str,
                      label_fr: str) -> IncidentTypeTerm:
    """Add a kind of incident, with its label in each language, at the end of the list.

    Raises PermissionDenied for a non-admin; InvalidInput for a code that is not
    lowercase snake_case or is taken, or a missing or overlong label.
    """
    _require_manager(actor)
    problems: list[ValidationFailed] = []
    clean_code = _attempt(problems, _type_code, code)
    labels = {name: _attempt(problems, partial(_label, field=name), raw)
              for name, raw in (("label_en", label_en), ("label_fa", label_fa),
                                ("label_fr", label_fr))}
    if problems or clean_code is None:
        raise InvalidInput(problems)
    last = db.session.scalar(select(func.max(IncidentTypeTerm.position)))
    term = IncidentTypeTerm(code=clean_code, position=(last or 0) + 1, active=True, **labels)
    db.session.add(term)
    db.session.flush()
    record_event(AuditAction.INCIDENT_TYPE_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type="incident_type_term", target_id=term.id)
    return term


# --- rules -------------------------------------------------------------------------------


def _require_manager(actor: User, obj: object | None = None) -> None:
    if not can(actor, Permission.REGISTER_MANAGE, obj):
        raise PermissionDenied(_l("Only administrators can change the register."))


def _register_names() -> dict[str, int]:
    """Every Latin name in the register, case-folded, with its victim's id.

    Compared in Python so that SQLite and PostgreSQL fold case alike (the register
    holds a few hundred names).
    """
    rows = db.session.execute(select(Victim.name_latin, Victim.id))
    return {name.casefold(): victim_id for name, victim_id in rows}


def _checked_victim(data: VictimInput, known: Mapping[str, int],
                    victim_id: int | None = None) -> VictimInput:
    """The cleaned details; raises InvalidInput naming every problem and its field."""
    problems: list[ValidationFailed] = []
    name_latin = _attempt(problems, _name_latin, data.name_latin)
    holder = known.get(name_latin.casefold()) if name_latin else None
    if holder is not None and holder != victim_id:  # another victim has this name
        problems.append(ValidationFailed(
            _l("This person is already in the register."), "name_latin"))
    clean = VictimInput(
        name_latin=name_latin or "",
        name_persian=_attempt(problems, _name_persian, data.name_persian) or "",
        age=_attempt(problems, _age, data.age) or "",
        ties_countries=_attempt(problems, _countries, data.ties_countries) or "",
        ties_note=_attempt(problems, _note, data.ties_note) or "",
    )
    if problems:
        raise InvalidInput(problems)
    return clean


def _apply(victim: Victim, clean: VictimInput) -> Victim:
    victim.name_latin = clean.name_latin
    victim.name_persian = clean.name_persian
    victim.age = int(clean.age) if clean.age else None
    victim.ties_countries = clean.ties_countries
    victim.ties_note = clean.ties_note
    return victim


def _attempt(problems: list[ValidationFailed], check: Callable[[str], _T], raw: str) -> _T | None:
    try:
        return check(raw)
    except ValidationFailed as problem:
        problems.append(problem)
        return None


def _one_line(raw: str, field: str) -> str:
    _refuse_control_characters(raw, field, allowed="\t\n\r")
    return " ".join(raw.split())


def _refuse_control_characters(raw: str, field: str, allowed: str = "") -> None:
    # NUL and other control characters are invisible, and PostgreSQL refuses NUL.
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in raw):
        raise ValidationFailed(_l("Remove the invisible control characters from this text."),
                               field)


def _name_latin(raw: str) -> str:
    name = _one_line(raw, "name_latin")
    if not name:
        raise ValidationFailed(_l("Enter the name in Latin letters."), "name_latin")
    if len(name) > MAX_NAME_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_NAME_CHARS),
                               "name_latin")
    return name


def _name_persian(raw: str) -> str:
    name = _one_line(raw, "name_persian")
    if len(name) > MAX_NAME_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_NAME_CHARS),
                               "name_persian")
    if name and not any(ch.isalpha() and "ARABIC" in unicodedata.name(ch, "") for ch in name):
        raise ValidationFailed(
            _l("Write the Persian name in Persian script, or leave it empty."), "name_persian")
    return name


def _age(raw: str) -> str:
    text = normalize_digits(raw).strip()
    if not text:
        return ""
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValidationFailed(_l("Enter the age as a whole number, such as 34."), "age")
    if len(text) > 3 or not 0 <= int(text) <= MAX_AGE:
        raise ValidationFailed(_l("Enter an age from 0 to %(max)d.", max=MAX_AGE), "age")
    return str(int(text))


def _countries(raw: str) -> str:
    _refuse_control_characters(raw, "ties_countries", allowed="\t\n\r")
    codes = list(dict.fromkeys(c.upper() for c in _COUNTRY_SEPARATORS.split(raw) if c))
    unknown = [c for c in codes if c not in country_codes()]
    if unknown:
        raise ValidationFailed(
            _l("Not a country code: %(codes)s. Use two-letter ISO codes such as CA, IR or GB.",
               codes=", ".join(unknown)), "ties_countries")
    joined = " ".join(codes)
    if len(joined) > MAX_COUNTRIES_CHARS:
        raise ValidationFailed(_l("List fewer countries."), "ties_countries")
    return joined


def _note(raw: str) -> str:
    _refuse_control_characters(raw, "ties_note", allowed="\t\n\r")
    note = raw.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_NOTE_CHARS),
                               "ties_note")
    return note


def _type_code(raw: str) -> str:
    code = raw.strip()
    if not code:
        raise ValidationFailed(_l("Enter a code."), "code")
    if len(code) > MAX_TYPE_CODE_CHARS or not _TYPE_CODE.fullmatch(code):
        raise ValidationFailed(_l("Use lowercase Latin letters, digits and underscores, "
                                  "starting with a letter, such as home_raid."), "code")
    if db.session.scalar(select(func.count()).where(IncidentTypeTerm.code == code)):
        raise ValidationFailed(_l("This code is already used by another type."), "code")
    return code


def _label(raw: str, field: str) -> str:
    label = _one_line(raw, field)
    if not label:
        raise ValidationFailed(_l("Enter the label in this language."), field)
    if len(label) > MAX_LABEL_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_LABEL_CHARS), field)
    return label


# --- CSV ---------------------------------------------------------------------------------


def _read_rows(text: str) -> tuple[list[tuple[int, VictimInput]], list[ImportProblem]]:
    """(first line of the record, its values) for each non-blank row, and shape problems."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[tuple[int, VictimInput]] = []
    problems: list[ImportProblem] = []
    try:
        columns = _header_columns(next(reader, None))
        last_line = reader.line_num
        for values in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                problems.append(ImportProblem(line, str(_l(
                    "Expected %(expected)d values separated by commas, found %(found)d.",
                    expected=len(columns), found=len(values)))))
                continue
            rows.append((line, VictimInput(**dict(zip(columns, values, strict=True)))))
    except _HeaderProblem as problem:
        return [], [ImportProblem(1, str(problem.message))]
    except csv.Error:
        return [], [ImportProblem(reader.line_num or 1, str(_l(
            "This line cannot be read as CSV (check the quotation marks).")))]
    if not rows and not problems:
        problems.append(ImportProblem(1, str(_l("The file has a header but no victims."))))
    return rows, problems


def _header_columns(header: list[str] | None) -> list[str]:
    expected = ",".join(CSV_COLUMNS)
    if not header or not any(h.strip() for h in header):
        raise _HeaderProblem(_l("The file is empty or its first line is blank. The first "
                                "line must be the header: %(header)s", header=expected))
    columns = [h.strip().lower() for h in header]
    if sorted(columns) != sorted(CSV_COLUMNS):
        raise _HeaderProblem(_l("The first line must be the header: %(header)s",
                                header=expected))
    return columns
