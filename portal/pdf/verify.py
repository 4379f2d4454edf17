"""Verify a PS752 dossier PDF and its evidence bundle offline: ONE self-contained file.

Requirements (pinned; nothing else, and nothing of the portal):

    Python 3.11 or later
    pyHanko==0.38.0
    pyhanko-certvalidator==0.33.0
    pikepdf==10.17.0
    bagit==1.9.0

Every exported bundle carries this file (data/verify.py; its SHA-256 is in the signed
manifest). A stranger runs, in a folder of their own:

    python -m venv venv && venv/bin/pip install pyHanko==0.38.0 \
        pyhanko-certvalidator==0.33.0 pikepdf==10.17.0 bagit==1.9.0
    venv/bin/python verify.py DOSSIER.pdf [BUNDLE.zip] [--trust ROOT.pem] [--fingerprint HEX]

(inside the portal: `flask dossier verify`, or `python -I portal/pdf/verify.py`; the
"Verify a dossier" page runs this same file in a limited child.) No network is used:
revocation data and timestamps come from the file itself; nothing is written to disk:
the bundle is read inside the zip, in memory. bagit is not imported (the bag is read
here, in memory); it is pinned for checking the bag by hand (`bagit.py --validate`).

What is checked, each a line of the report:

1. signature: the first signature certifies the document with "no changes allowed"
   (DocMDP P=1); the bytes of every signature and timestamp are intact (their digests
   and their /Contents); it chains to the trust root, and validates as PAdES long-term
   (B-LTA, ETSI EN 319 102-1 with pyHanko's `ades_lta_validation`).
2. modifications: nothing was added after the certification except validation data
   and document timestamps, and no byte follows the last timestamp.
3. trust root: the root the signature chains to is one you told this verifier to
   trust (--trust, or --fingerprint matching the root shipped in the bundle).
4. PDF/A: the file declares PDF/A-3B in its XMP metadata (a declaration, not proof).
5. manifest: manifest.json, exhibits.csv and custody.jsonl are embedded; every
   embedded original matches the SHA-256 the manifest gives for it.
6. custody: every exhibit's chain in custody.jsonl is numbered from 1, each event
   names the previous one's hash, each hash is recomputed (the hashing rules below,
   identical to the portal's portal/audit/hashing.py) and the chain starts from the
   original's SHA-256. The full log (confidential variant) or the public log (public
   variant: a chain of its own over rows that hold only what the public may see).
7. bundle (when given): the BagIt bag validates (every file against its SHA-256 and
   SHA-512); its manifest.json is byte for byte the one signed inside the PDF; every
   other file of the bag is listed, with its SHA-256, in that signed manifest
   (`bundle_files`), and nothing listed is missing: a file removed, added or changed
   fails even when the bag is rebuilt around it.

Exit status: 0 the dossier verifies; 1 it does not (changed, broken, incomplete: the
FAIL lines say what); 2 wrong arguments; 3 it is intact and signed, but by a key you
have not told me to trust (no --trust or --fingerprint, or another root than the one
you gave): compare the root's fingerprint, printed in the report, with the one the
organisation published, and run again with --fingerprint.

A portal whose signing certificate comes from a real CA cannot have its timestamp
authority certified by that CA: its trust file then holds the CA's root followed by
the TSA's self-signed certificate, trusted for timestamps only (never for the
signature). Both fingerprints are published; give them together, comma-separated, to
--fingerprint, which must then list every certificate of the trust file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import logging
import sys
import zipfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from asn1crypto import pem  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

# -- the portal's canonical hashing --------------------------------------------------------
# The one way the portal chains records: SHA-256 over the previous hash and the record's
# canonical JSON. What follows, down to the end marker, is portal/audit/hashing.py from
# GENESIS_HASH on, character for character: the portal hashes with that module, this
# file verifies with this copy, and tests/test_standalone_verifier.py fails when they
# differ (decision 0019).

# BEGIN portal/audit/hashing.py
GENESIS_HASH = "0" * 64

# What a custody event's hash covers (portal/audit/custody.py), in this order.
CUSTODY_FIELDS = ("item_id", "seq", "occurred_at", "action", "actor_id", "actor_label",
                  "actor_role", "purpose", "hash_before", "hash_after", "details")
# A public custody row (the public variant's own chain) holds only these, plus
# `prev_hash` and `row_hash`; its hash covers these alone.
PUBLIC_CUSTODY_FIELDS = ("exhibit", "seq", "day", "action", "role", "hash_after")


def canonical_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, content: Mapping[str, object]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def custody_content(values: Mapping[str, object]) -> dict[str, object]:
    """The hashed content of a custody event from its values (occurred_at already
    canonical); a missing field is a KeyError, never silently hashed as absent."""
    return {name: values[name] for name in CUSTODY_FIELDS}


def custody_hash(prev_hash: str, values: Mapping[str, object]) -> str:
    return chain_hash(prev_hash, custody_content(values))
# END portal/audit/hashing.py


MANIFEST_FILES = ("manifest.json", "exhibits.csv", "custody.jsonl")
# The two kinds of custody.jsonl. The full log (confidential variant) gives each event
# with the content its hash covers (CUSTODY_FIELDS: names, ids, purposes...).
# The public log (portal/services/dossiers/public_custody.py) is a chain of its own:
# rows of exactly PUBLIC_CUSTODY_FIELDS with `prev_hash` and `row_hash`, each
# hash over those fields of its row, so it neither needs nor confirms anything the
# public variant withholds.
FULL_LOG, PUBLIC_LOG = "full", "public"
LOG_KINDS = {FULL_LOG: "full log (confidential variant)",
             PUBLIC_LOG: "public log (public variant)"}
HOW_CHECKED = {FULL_LOG: "every hash recomputed from its event",
               PUBLIC_LOG: "every hash recomputed from its row alone (event, day, role, "
                           "exhibit, SHA-256): it covers nothing the variant withholds"}
MANIFEST_FORMAT = "ps752-dossier-manifest/1"
BUNDLE_ROOT = "data/portal-root.pem"
ACCEPTED_LEVELS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
MAX_ZIP_MEMBERS = 100_000
MAX_TAG_FILE_BYTES = 64 * 1024**2  # manifests, bag-info, the root: small files, read whole
BAG_ALGORITHMS = ("sha256", "sha512")


EXIT_VERIFIED, EXIT_NOT_VERIFIED, EXIT_UNTRUSTED = 0, 1, 3  # 2: wrong arguments
UNTRUSTED = "signed, but by a key you have not told me to trust"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    trust: bool = False  # a failure of trust (who signed), not of integrity (what)


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 verifies; 3 intact but signed by a key not trusted; 1 anything else."""
        if self.ok:
            return EXIT_VERIFIED
        failures = [c for c in self.checks if not c.ok]
        return EXIT_UNTRUSTED if failures and all(c.trust for c in failures) else \
            EXIT_NOT_VERIFIED

    def add(self, name: str, ok: bool, detail: str, *, trust: bool = False) -> bool:
        self.checks.append(Check(name, ok, detail, trust))
        return ok

    def lines(self) -> list[str]:
        out = [f"{'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]
        out += [f"NOTE  {note}" for note in self.notes]
        out.append({
            EXIT_VERIFIED: "RESULT: the dossier verifies.",
            EXIT_UNTRUSTED: f"RESULT: {UNTRUSTED}. Nothing else failed, but the dossier "
                            "does NOT verify until you name the root you trust: compare "
                            "its fingerprint with the one the organisation published, then "
                            "run again with --fingerprint (exit status 3).",
        }.get(self.exit_code, "RESULT: the dossier does NOT verify (see FAIL above)."))
        return out


def fingerprint_of(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate of a PEM file (in order), or the one of a DER file."""
    if pem.detect(data):
        certs = [asn1_x509.Certificate.load(der)
                 for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
        if not certs:
            raise ValueError("no certificate in the PEM file")
        return certs
    return [asn1_x509.Certificate.load(data)]


def _timestamp_anchor(cert: asn1_x509.Certificate) -> bool:
    """A self-signed certificate for timestamping only (an imported PKI's TSA)."""
    usages = cert.extended_key_usage_value
    return (cert.self_signed in ("maybe", "yes") and not cert.ca and usages is not None
            and [u.native for u in usages] == ["time_stamping"])


# -- the bundle ---------------------------------------------------------------------------

@dataclass
class Bundle:
    problems: list[str]
    files: dict[str, bytes]  # path relative to data/ -> bytes (manifests and the root)
    originals: dict[str, str]  # name under data/originals/ -> SHA-256
    sha256: str
    payload: dict[str, str] = field(default_factory=dict)  # every path under data/ -> SHA-256


def read_bundle(path: Path) -> Bundle:
    """Validate the zipped BagIt bag (RFC 8493) and read what the other checks need.

    Read in memory, straight from the zip: nothing is extracted to disk (a bundle
    holds the plaintext originals). Every payload file is hashed with SHA-256 and
    SHA-512 and compared with both payload manifests; a file missing from the zip,
    or present but listed in no manifest, fails, as do the tag manifests and the
    Payload-Oxum when present.
    """
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_bag(archive, digest.hexdigest())
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
        return Bundle([f"not a readable zip file ({type(error).__name__}: "
                       f"{str(error)[:120]})"], {}, {}, digest.hexdigest())


class _NotABag(Exception):
    """The zip cannot be read as a bag at all; the message says why."""


@dataclass
class _ZippedBag:
    archive: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]  # path inside the bag's top folder -> member

    def small(self, name: str) -> bytes:
        """A tag file, read whole: refused (ValueError) above MAX_TAG_FILE_BYTES."""
        if self.members[name].file_size > MAX_TAG_FILE_BYTES:
            raise ValueError(f"{name} is too large")
        return self.archive.read(self.members[name])


@dataclass
class _Payload:
    problems: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    octets: int = 0
    count: int = 0


def _read_bag(archive: zipfile.ZipFile, digest: str) -> Bundle:
    try:
        bag = _open_bag(archive)
    except _NotABag as refusal:
        return Bundle([str(refusal)], {}, {}, digest)
    manifests = _payload_manifests(bag)
    problems = _manifests_missing(manifests) + _listed_files_missing(bag, manifests)
    payload = _read_payload(bag, manifests)
    problems += payload.problems + _tag_problems(bag) + _oxum_problems(bag, payload)
    return Bundle(list(dict.fromkeys(problems)), payload.files, payload.originals, digest,
                  payload.sha256)


def _open_bag(archive: zipfile.ZipFile) -> _ZippedBag:
    """The zip's files by their path inside its one top folder, which must declare a
    BagIt version. Raises _NotABag (too many files, an unsafe or repeated path, no
    bagit.txt)."""
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_ZIP_MEMBERS:
        raise _NotABag("the zip holds too many files")
    by_name = _members_by_safe_name(members)
    tops = {name.split("/", 1)[0] for name in by_name}
    if len(tops) != 1 or f"{next(iter(tops))}/bagit.txt" not in by_name:
        raise _NotABag("not a BagIt bag (one top folder with bagit.txt)")
    top = next(iter(tops)) + "/"
    bag = _ZippedBag(archive, {name.removeprefix(top): member
                               for name, member in by_name.items()})
    if "BagIt-Version:" not in bag.small("bagit.txt").decode("utf-8", "replace"):
        raise _NotABag("bagit.txt does not declare a BagIt version")
    return bag


def _members_by_safe_name(members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Raises _NotABag for an absolute, parent, backslash or empty path segment, or a
    name given twice."""
    by_name: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        parts = member.filename.split("/")
        if (member.filename.startswith("/") or ".." in parts or "\\" in member.filename
                or "" in parts[:-1]):
            raise _NotABag(f"unsafe path in the zip: {member.filename[:100]}")
        if member.filename in by_name:
            raise _NotABag(f"the zip holds {member.filename[:100]} twice")
        by_name[member.filename] = member
    return by_name


def _payload_manifests(bag: _ZippedBag) -> dict[str, dict[str, str]]:
    """algorithm -> (path -> checksum), for each payload manifest the bag has."""
    return {algorithm: _manifest_lines(bag.small(f"manifest-{algorithm}.txt"))
            for algorithm in BAG_ALGORITHMS if f"manifest-{algorithm}.txt" in bag.members}


def _manifests_missing(manifests: dict[str, dict[str, str]]) -> list[str]:
    if set(manifests) == set(BAG_ALGORITHMS):
        return []
    return [f"the bag lists {', '.join(sorted(manifests)) or 'no manifest'}, "
            "not SHA-256 and SHA-512"]


def _listed_files_missing(bag: _ZippedBag, manifests: dict[str, dict[str, str]]) -> list[str]:
    listed = set().union(*(set(m) for m in manifests.values())) if manifests else set()
    return [f"{name} is missing" for name in sorted(listed) if name not in bag.members]


def _read_payload(bag: _ZippedBag, manifests: dict[str, dict[str, str]]) -> _Payload:
    """Hash every file under data/ against the manifests; keep the files the other
    checks read (the manifests and the root) and the SHA-256 of each original."""
    payload = _Payload()
    wanted = {*MANIFEST_FILES, BUNDLE_ROOT.removeprefix("data/")}
    for name in sorted(name for name in bag.members if name.startswith("data/")):
        relative = name.removeprefix("data/")
        digests, kept = _hash_member(bag, name, payload, keep=relative in wanted)
        payload.problems += _checksum_problems(name, digests, manifests)
        if kept is not None:
            payload.files[relative] = kept
        payload.sha256[relative] = digests["sha256"]
        if name.startswith("data/originals/") and name.count("/") == 2:
            payload.originals[name.removeprefix("data/originals/")] = digests["sha256"]
    return payload


def _hash_member(bag: _ZippedBag, name: str, payload: _Payload, *, keep: bool
                 ) -> tuple[dict[str, str], bytes | None]:
    """(algorithm -> hex digest, the bytes when `keep`), streamed, counting the
    payload's octets and files for the Payload-Oxum."""
    hashes = {algorithm: hashlib.new(algorithm) for algorithm in BAG_ALGORITHMS}
    kept = bytearray() if keep else None
    with bag.archive.open(bag.members[name]) as stream:
        while chunk := stream.read(1 << 20):
            payload.octets += len(chunk)
            for h in hashes.values():
                h.update(chunk)
            if kept is not None and len(kept) <= MAX_TAG_FILE_BYTES:
                kept += chunk
    payload.count += 1
    return ({algorithm: h.hexdigest() for algorithm, h in hashes.items()},
            bytes(kept) if kept is not None else None)


def _checksum_problems(name: str, digests: dict[str, str],
                       manifests: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for algorithm, manifest in manifests.items():
        expected = manifest.get(name)
        if expected is None:
            problems.append(f"{name} is not in the bag's {algorithm} manifest")
        elif expected.lower() != digests[algorithm]:
            problems.append(f"{name} does not match its {algorithm.upper()} in the bag")
    return problems


def _manifest_lines(data: bytes) -> dict[str, str]:
    """path -> checksum from a BagIt manifest (paths percent-encode CR, LF and %)."""
    entries = {}
    for line in data.decode("utf-8", "replace").splitlines():
        checksum, _, name = line.strip().partition(" ")
        name = name.strip()
        if checksum and name:
            name = name.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
            entries[name] = checksum
    return entries


def _tag_problems(bag: _ZippedBag) -> list[str]:
    problems = []
    for algorithm in BAG_ALGORITHMS:
        name = f"tagmanifest-{algorithm}.txt"
        if name not in bag.members:
            continue
        for tag, expected in _manifest_lines(bag.small(name)).items():
            if tag not in bag.members:
                problems.append(f"{tag} is missing")
            elif hashlib.new(algorithm, bag.small(tag)).hexdigest() != expected.lower():
                problems.append(f"{tag} does not match its {algorithm.upper()} in the bag")
    return problems


def _oxum_problems(bag: _ZippedBag, payload: _Payload) -> list[str]:
    info = bag.small("bag-info.txt") if "bag-info.txt" in bag.members else b""
    oxum = _bag_info(info).get("payload-oxum")
    if oxum is None or oxum == f"{payload.octets}.{payload.count}":
        return []
    return [f"Payload-Oxum {oxum} does not match the payload "
            f"({payload.octets}.{payload.count})"]


def _bag_info(data: bytes) -> dict[str, str]:
    info = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and not line[:1].isspace():
            info[key.strip().lower()] = value.strip()
    return info


# -- the custody chains ---------------------------------------------------------------------

def run_coroutine(make: Callable[[], Awaitable[Any]]) -> Any:
    """`asyncio.run()` (pyHanko is asynchronous underneath), also when called from a
    thread that already runs an event loop, where asyncio.run() refuses: then in a
    fresh thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


def check_custody(report: Report, custody: bytes | None, hashes: dict[str, str],
                  variant: str | None = None) -> None:
    """Every exhibit's chain in custody.jsonl, of whichever kind the log is (the report
    says which): numbered from 1, each event naming the previous one's hash, each hash
    recomputed (from the event's hashed content in a full log, from the row itself in
    a public log), and starting from the original's SHA-256 given in the manifest. A
    public manifest must carry a public log, a confidential one the full log."""
    if custody is None:
        report.add("custody", False, "custody.jsonl is not embedded")
        return
    try:
        events = _custody_events(custody)
    except ValueError as error:
        report.add("custody", False, f"custody.jsonl cannot be read ({str(error)[:100]})")
        return
    kind, problem = _log_kind(events, variant)
    if kind is None:
        report.add("custody", False, problem)
        return
    chains: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        chains.setdefault(str(event.get("exhibit")), []).append(event)
    problems = [f"{number} has no custody events" for number in sorted(hashes)
                if number not in chains]
    problems += [f"{number} is not an exhibit of the manifest" for number in sorted(chains)
                 if number not in hashes]
    for number, chain in sorted(chains.items()):
        problem = _chain_problem(chain, hashes.get(number), kind)
        if problem:
            problems.append(f"{number}: {problem}")
    if problems:
        report.add("custody", False, f"{LOG_KINDS[kind]}: " + "; ".join(problems[:10]))
    else:
        report.add("custody", True, f"{len(chains)} chain(s), {len(events)} event(s), each "
                   f"following the one before; {LOG_KINDS[kind]}: {HOW_CHECKED[kind]}; each "
                   "starts from the original's SHA-256")


def _custody_events(custody: bytes) -> list[dict[str, Any]]:
    """The JSON object of each line. Raises ValueError."""
    events = []
    for line in custody.decode("utf-8").splitlines():
        if line.strip():
            event = json.loads(line)
            if not isinstance(event, dict):
                raise ValueError("not an object")
            events.append(event)
    return events


def _log_kind(events: list[dict[str, Any]], variant: str | None
              ) -> tuple[str | None, str]:
    """(FULL_LOG or PUBLIC_LOG, "") or (None, why): every event of a full log carries
    its hashed content, every row of a public log has exactly the public keys."""
    expected = {"confidential": FULL_LOG, "public": PUBLIC_LOG}.get(variant or "")
    if any("row_hash" not in e or "prev_hash" not in e for e in events):
        return None, "the log carries no hash chain"
    if events and all("hashed" in e for e in events):
        kind = FULL_LOG
    elif events and all(set(e) == {*PUBLIC_CUSTODY_FIELDS, "prev_hash", "row_hash"}
                        for e in events):
        kind = PUBLIC_LOG
    elif events:
        return None, ("the log is neither a full log (every event with its hashed content) "
                      "nor a public log (rows of the public fields only)")
    else:
        kind = expected or FULL_LOG
    if expected is not None and kind != expected:
        return None, f"the manifest is of the {variant} variant but the log is a {kind} log"
    return kind, ""


def _chain_problem(events: list[dict[str, Any]], original: str | None,
                   kind: str) -> str:
    previous = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.get("seq") != expected_seq:
            return f"event {expected_seq} is missing or out of order"
        if event["prev_hash"] != previous:
            return f"event {expected_seq} does not follow the one before"
        problem = (_full_event_problem(event) if kind == FULL_LOG else
                   _public_row_problem(event))
        if problem:
            return f"event {expected_seq} {problem}"
        previous = event["row_hash"]
    first = events[0]
    if first.get("action") != "received" or first.get("hash_after") != original:
        return "the chain does not start from the original's SHA-256"
    return ""


def _full_event_problem(event: dict[str, Any]) -> str:
    content = event["hashed"]
    try:
        actual = custody_hash(event["prev_hash"], content)
    except (KeyError, TypeError, AttributeError):
        return "lacks part of its hashed content"
    if actual != event["row_hash"]:
        return "does not match its hash (changed)"
    if any(content.get(key) != event.get(key) for key in ("seq", "action", "hash_after")):
        return "says otherwise than its hashed content"
    return ""


def _public_row_problem(row: dict[str, Any]) -> str:
    """A public row's hash covers the row itself: nothing the public variant withholds."""
    actual = chain_hash(row["prev_hash"],
                               {key: row[key] for key in PUBLIC_CUSTODY_FIELDS})
    return "" if actual == row["row_hash"] else "does not match its hash (changed)"


# -- the signature ------------------------------------------------------------------------

def _validation_spec(root: asn1_x509.Certificate,
                     tsa_anchors: Sequence[asn1_x509.Certificate] = ()
                     ) -> PdfSignatureValidationSpec:
    def policy(anchors: list[asn1_x509.Certificate]) -> CertValidationPolicySpec:
        return CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=anchors),
            revinfo_policy=CertRevTrustPolicy(revocation_checking_policy=REQUIRE_REVINFO))

    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy([root]),
        # A TSA's own anchor is trusted for timestamps, never for the signature.
        ts_cert_validation_policy=policy([root, *tsa_anchors]) if tsa_anchors else None,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
            certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH)))


def check_signature(report: Report, pdf: bytes, root: asn1_x509.Certificate,
                    tsa_anchors: Sequence[asn1_x509.Certificate] = (), *,
                    trusted: bool = True) -> None:
    """The signature line (and the modification line after it). `trusted` says whether
    the user named `root` (--trust, or --fingerprint matching it): an intact signature
    chaining to a root they did not name is a failure of trust, not of integrity."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # any parse failure is a verdict
        report.add("signature", False, f"the PDF cannot be read as a signed PDF "
                   f"({type(error).__name__}: {str(error)[:160]})")
        report.add("modifications", False, "not checked: the PDF cannot be read")
        return
    if not signatures:
        report.add("signature", False, "the PDF carries no digital signature")
        report.add("modifications", False, "not checked: no signature")
        return
    first, last = signatures[0], signatures[-1]
    broken = _bytes_problem(pdf, signatures)
    try:
        spec = _validation_spec(root, tsa_anchors)
        result = run_coroutine(lambda: ades_lta_validation(first, spec))
    except Exception as error:  # any validation crash is a verdict
        report.add("signature", False, broken[1] if broken else "the signature cannot be validated "
                   f"({type(error).__name__}: {str(error)[:160]})")
        report.add("modifications", False, "not checked: the signature cannot be validated")
        return
    status = result.api_status
    if broken and broken[0] == 0:
        report.add("signature", False, broken[1])
    elif status is None:
        report.add("signature", False, f"no status ({result.ades_subindic})")
    elif not status.intact:
        report.add("signature", False, "the document was changed after it was signed: "
                   "the signature does not match its content")
    elif not status.valid:
        report.add("signature", False, "the value of the certification signature is "
                   "broken: it was altered (it does not verify against the signer's "
                   "certificate and the digest it signed)")
    elif _subindication(result) == "SIG_CRYPTO_FAILURE" and not _timestamp_ok(status):
        report.add("signature", False, "the signature timestamp inside the value of the "
                   "certification signature (its /Contents) is broken: it was altered")
    elif broken:
        report.add("signature", False, broken[1])
    elif not status.trusted and _subindication(result) in CHAIN_FAILURES:
        report.add("signature", False, f"{UNTRUSTED}: the signing certificate "
                   f"({status.signing_cert.subject.human_friendly}, issued by "
                   f"{status.signing_cert.issuer.human_friendly}) does not chain to the "
                   "trust root", trust=True)
    elif not status.trusted or result.ades_subindic != AdESPassed.OK:
        report.add("signature", False, "the signature is intact but cannot be validated "
                   "long-term from what the file carries (revocation data or timestamps "
                   f"missing or not acceptable: {_subindication(result)})")
    elif first.docmdp_level != MDPPerm.NO_CHANGES:
        report.add("signature", False, "the first signature is not a certification with "
                   "no changes allowed")
    else:
        _signature_passed(report, first, status, len(signatures), trusted)
    check_modifications(report, pdf, status, last)


# pyHanko's indications that the signer's certificate does not lead to the trust root.
CHAIN_FAILURES = ("NO_CERTIFICATE_CHAIN_FOUND", "CERTIFICATE_CHAIN_GENERAL_FAILURE",
                  "CHAIN_CONSTRAINTS_FAILURE")


def _timestamp_ok(status: Any) -> bool:
    validity = getattr(status, "timestamp_validity", None)
    return validity is not None and validity.intact and validity.valid


def _subindication(result: object) -> str:
    value = getattr(result, "ades_subindic", None)
    return str(getattr(value, "name", value))


def _signature_passed(report: Report, first: Any, status: Any, count: int,
                      trusted: bool) -> None:
    signer = status.signing_cert.subject.human_friendly
    when = (status.timestamp_validity.timestamp.isoformat()
            if status.timestamp_validity is not None else "no signature timestamp")
    report.add("signature", True, f"certified by {signer} (no changes allowed), "
               f"timestamped {when}, PAdES long-term validation passed "
               f"({count - 1} document timestamp(s))"
               + ("" if trusted else " against the root shipped with it"))
    reason = first.sig_object.get("/Reason")
    if reason:
        report.notes.append(f"reason given by the signer: {reason}")


def _bytes_problem(pdf: bytes, signatures: Sequence[Any]) -> tuple[int, str] | None:
    """(index, what is wrong) of the first signature or timestamp whose bytes are not
    what it signed, or None: its value (/Contents) is not one DER object followed by
    zero padding, or the digest of the bytes its /ByteRange covers is not the digest it
    carries."""
    for index, embedded in enumerate(signatures):
        what = ("the certification signature" if index == 0 else
                "the document timestamp" if embedded.sig_object.get("/Type") == "/DocTimeStamp"
                else f"signature {index + 1}")
        problem = _contents_problem(pdf, list(embedded.byte_range))
        if problem:
            return index, f"the value of {what} (its /Contents) was altered: {problem}"
        try:
            carried = _carried_digest(embedded)
            actual = embedded.compute_digest()
        except Exception:  # noqa: S112 - an unreadable structure: the validation names it
            continue
        if carried is not None and carried != actual:
            return index, (f"the document was changed after it was signed: the bytes "
                           f"{what} covers no longer match it" if index == 0 else
                           f"{what} no longer matches the file: bytes it sealed were altered "
                           "after it was applied, in the value of the signature before it "
                           "(its /Contents) or in the validation data (the signed document "
                           "itself is intact)")
    return None


def _contents_problem(pdf: bytes, byte_range: list[int]) -> str:
    if len(byte_range) != 4:
        return "it has no valid /ByteRange"
    raw = pdf[byte_range[0] + byte_range[1]:byte_range[2]]
    if not (raw.startswith(b"<") and raw.endswith(b">")):
        return "it is not a hexadecimal string where /ByteRange leaves a gap"
    try:
        value = bytes.fromhex(raw[1:-1].decode("ascii"))
    except ValueError:
        return "it is not hexadecimal"
    length = _der_length(value)
    if length is None:
        return "it is not a DER-encoded signature"
    if value[length:].strip(b"\0"):
        return ("the padding after the signature value holds bytes other than zeros "
                "(the document timestamp that sealed it no longer matches)")
    return ""


def _der_length(value: bytes) -> int | None:
    """The length of the DER object at the start of `value` (header included)."""
    if len(value) < 2 or value[0] != 0x30:
        return None
    if value[1] < 0x80:
        return 2 + value[1]
    count = value[1] & 0x7F
    if not 0 < count <= 4 or len(value) < 2 + count:
        return None
    return 2 + count + int.from_bytes(value[2:2 + count], "big")


def _carried_digest(embedded: Any) -> bytes | None:
    """The digest a signature (its signed attributes) or a document timestamp (its
    message imprint) says the covered bytes have."""
    signed_data = embedded.signed_data
    if embedded.sig_object.get("/Type") == "/DocTimeStamp":
        tst_info = signed_data["encap_content_info"]["content"].parsed
        return bytes(tst_info["message_imprint"]["hashed_message"].native)
    for attribute in signed_data["signer_infos"][0]["signed_attrs"]:
        if attribute["type"].native == "message_digest":
            return bytes(attribute["values"][0].native)
    return None


def check_modifications(report: Report, pdf: bytes, status: object, last: object) -> None:
    level = getattr(status, "modification_level", None)
    docmdp_ok = getattr(status, "docmdp_ok", None)
    byte_range = list(getattr(last, "byte_range", []) or [])
    covered_to = byte_range[2] + byte_range[3] if len(byte_range) == 4 else -1
    trailing = pdf[covered_to:] if covered_to >= 0 else pdf
    if level not in ACCEPTED_LEVELS or docmdp_ok is False:
        name = level.name if isinstance(level, ModificationLevel) else str(level)
        report.add("modifications", False, "the file was changed after its certification "
                   f"(modification level {name}): it is not the document that was signed")
    elif covered_to < 0 or trailing.strip(b"\r\n\0 ") != b"":
        report.add("modifications", False, f"{len(pdf) - max(covered_to, 0)} bytes were "
                   "appended after the last signature or timestamp")
    else:
        report.add("modifications", True, "nothing but validation data and document "
                   f"timestamps after the certification ({level.name})")


# -- PDF/A and the embedded manifest --------------------------------------------------------

def embedded(pdf: bytes) -> tuple[dict[str, bytes], dict[str, str], str | None]:
    """(attachments by name, relationship by name, problem) from the PDF."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            files = {name: spec.get_file().read_bytes()
                     for name, spec in document.attachments.items()}
            relations = {name: str(spec.obj.get("/AFRelationship", ""))
                         for name, spec in document.attachments.items()}
            with document.open_metadata() as meta:
                declared = (meta.get("pdfaid:part"), meta.get("pdfaid:conformance"))
    except (pikepdf.PdfError, OSError, ValueError) as error:
        return {}, {}, f"pikepdf cannot open the file ({type(error).__name__})"
    if declared != ("3", "B"):
        return files, relations, f"the XMP metadata declares {declared}, not PDF/A-3B"
    return files, relations, None


def _exhibit_hashes(manifest: dict[str, object]) -> dict[str, str]:
    exhibits = manifest.get("exhibits")
    if not isinstance(exhibits, list):
        return {}
    return {str(e.get("number")): str(e.get("sha256")) for e in exhibits
            if isinstance(e, dict) and not e.get("withheld")}


def _original_problems(originals: dict[str, str], hashes: dict[str, str], where: str
                       ) -> list[str]:
    problems = []
    for name, sha in sorted(originals.items()):
        number = name.split("_", 1)[0]
        if number not in hashes:
            problems.append(f"{where}: {name} is not an exhibit of the manifest")
        elif hashes[number] != sha:
            problems.append(f"{where}: {name} does not match the manifest's SHA-256")
    return problems


def check_contents(report: Report, pdf: bytes, bundle: Bundle | None) -> None:
    files, relations, problem = embedded(pdf)
    report.add("PDF/A", problem is None, problem or "declares PDF/A-3B (a declaration: "
               "run veraPDF for conformance)")
    missing = [name for name in MANIFEST_FILES if name not in files]
    try:
        manifest = json.loads(files["manifest.json"]) if not missing else {}
    except ValueError:
        manifest = {}
    if missing or manifest.get("format") != MANIFEST_FORMAT:
        report.add("manifest", False, "the embedded manifest is missing or unreadable "
                   f"({', '.join(missing) or 'manifest.json'})")
        hashes: dict[str, str] = {}
    else:
        hashes = _exhibit_hashes(manifest)
        embedded_originals = {name: hashlib.sha256(data).hexdigest()
                              for name, data in files.items()
                              if relations.get(name) == "/Source"}
        problems = _original_problems(embedded_originals, hashes, "embedded")
        report.add("manifest", not problems, "; ".join(problems) or
                   f"{manifest.get('dossier')} v{manifest.get('version')} "
                   f"({manifest.get('variant')}): {len(hashes)} exhibit(s), "
                   f"{len(embedded_originals)} original(s) embedded and matching")
    if missing or manifest.get("format") != MANIFEST_FORMAT:
        report.add("custody", False, "not checked: no readable manifest")
    else:
        check_custody(report, files.get("custody.jsonl"), hashes,
                      str(manifest.get("variant") or "") or None)
    if bundle is None:
        report.notes.append("no bundle given: the originals were not checked")
        return
    if bundle.problems:
        report.add("bundle", False, "the BagIt bag does not validate: "
                   + "; ".join(bundle.problems[:10]))
        return
    problems = [f"{name} in the bundle differs from the one signed in the PDF"
                for name in MANIFEST_FILES if bundle.files.get(name) != files.get(name)]
    problems += _original_problems(bundle.originals, hashes, "bundle")
    listed = manifest.get("bundle_files")
    if isinstance(listed, list):
        problems += _bundle_file_problems(bundle.payload, listed)
        bound = f"every file of it is listed with its SHA-256 in the signed manifest " \
                f"({len(listed)} file(s) and the manifest itself)"
    else:
        bound = "its manifests are the signed ones"
        report.notes.append("this manifest lists no bundle files (an export made before "
                            "they were listed): a file added to or removed from the bag "
                            "besides the originals would not be seen")
    report.add("bundle", not problems, "; ".join(problems[:10]) or
               f"the bag validates (SHA-256 and SHA-512 of every file); {bound}; "
               f"{len(bundle.originals)} original(s) match the manifest")
    report.notes.append(f"bundle SHA-256 {bundle.sha256}: it must equal the one the export "
                        "recorded, if you were given it")


def _bundle_file_problems(payload: Mapping[str, str], listed: list[object]) -> list[str]:
    """What of the bag's payload (path under data/ -> SHA-256) departs from the signed
    manifest's `bundle_files` (each {"path", "sha256"}; manifest.json itself, compared
    byte for byte, is not listed)."""
    expected = {str(e.get("path")): str(e.get("sha256")) for e in listed
                if isinstance(e, dict)}
    actual = {path: sha for path, sha in payload.items() if path != "manifest.json"}
    problems = [f"data/{path} is listed in the signed manifest but missing from the bundle"
                for path in sorted(set(expected) - set(actual))]
    problems += [f"data/{path} is in the bundle but not in the signed manifest"
                 for path in sorted(set(actual) - set(expected))]
    problems += [f"data/{path} differs from the SHA-256 the signed manifest gives for it"
                 for path in sorted(set(actual) & set(expected))
                 if actual[path] != expected[path].lower()]
    return problems


# -- the whole ---------------------------------------------------------------------------

def verify(pdf_path: Path, bundle_path: Path | None = None, root_path: Path | None = None,
           expected_fingerprint: str | None = None) -> Report:
    report = Report()
    pdf = pdf_path.read_bytes()
    bundle = read_bundle(bundle_path) if bundle_path is not None else None
    anchors, trusted = _trust_root(report, root_path, bundle, expected_fingerprint)
    if anchors is None:
        report.add("modifications", False, "not checked: no trust root")
    else:
        check_signature(report, pdf, anchors[0], anchors[1:], trusted=trusted)
    check_contents(report, pdf, bundle)
    return report


def _trust_root(report: Report, root_path: Path | None, bundle: Bundle | None,
                expected: str | None) -> tuple[list[asn1_x509.Certificate] | None, bool]:
    """([root, timestamp anchors...] of the trust file, whether the user named it). The
    root shipped in the bundle is still used to check the signature's integrity when it
    is not the one named (or none was), and a "trust root" failure of trust says so."""
    source = "given with --trust"
    if root_path is not None:
        data: bytes | None = root_path.read_bytes()
    else:
        data = bundle.files.get(BUNDLE_ROOT.removeprefix("data/")) if bundle else None
        source = "shipped in the bundle"
    if data is None:
        report.add("signature", False, "no trust root: give the portal's root certificate "
                   "with --trust, or the bundle that ships it")
        return None, False
    try:
        certs = load_certificates(data)
        root, extra = certs[0], certs[1:]
        actual = fingerprint_of(root)
    except ValueError as error:
        report.add("signature", False, f"the trust root is not a certificate ({error})")
        return None, False
    wanted = [part.replace(" ", "").replace(":", "").lower()
              for part in (expected or "").split(",") if part.strip()]
    problems = _anchor_problems(report, extra, source, wanted)
    if problems is None:
        return None, False
    if wanted and actual not in wanted:
        problems.insert(0, f"the root {source} ({root.subject.human_friendly}) has "
                        f"fingerprint {actual}, not the expected {', '.join(wanted)}")
    elif not wanted and root_path is None:
        problems.insert(0, f"the root {source} ({root.subject.human_friendly}, SHA-256 "
                        f"fingerprint {actual}) is one you did not name: compare its "
                        "fingerprint with the one the organisation published, then run "
                        f"again with --fingerprint {actual}")
    if problems:
        report.add("trust root", False, f"{UNTRUSTED}: " + "; ".join(problems), trust=True)
        return certs, False
    report.notes.append(f"trust root {source}: {root.subject.human_friendly}, SHA-256 "
                        f"fingerprint {actual}" + (" (matches --fingerprint)" if wanted else ""))
    return certs, True


def _anchor_problems(report: Report, extra: list[asn1_x509.Certificate], source: str,
                     wanted: list[str]) -> list[str] | None:
    """Trust problems of the timestamp anchors after the root ([] when none), or None
    (reported) when the trust file holds something else."""
    problems = []
    for cert in extra:
        other = fingerprint_of(cert)
        if not _timestamp_anchor(cert):
            report.add("trust root", False, f"the trust file {source} holds "
                       f"{cert.subject.human_friendly} ({other}) after the root, which "
                       "is not a self-signed timestamp authority certificate")
            return None
        if wanted and other not in wanted:
            problems.append(f"the timestamp authority certificate {source} has "
                            f"fingerprint {other}, which --fingerprint does not list")
        elif not wanted and source != "given with --trust":
            problems.append(f"the timestamp authority anchor {source} "
                            f"({cert.subject.human_friendly}, {other}) is one you did not "
                            "name")
        else:
            report.notes.append(f"timestamp authority anchor {source} (trusted for "
                                f"timestamps only): {cert.subject.human_friendly}, SHA-256 "
                                f"fingerprint {other}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a PS752 dossier PDF (and its "
                                     "evidence bundle) offline.")
    parser.add_argument("pdf", type=Path)
    parser.add_argument("bundle", type=Path, nargs="?")
    parser.add_argument("--trust", "--root", dest="root", type=Path,
                        help="the portal's root certificate (PEM/DER) to trust")
    parser.add_argument("--fingerprint", help="expected SHA-256 fingerprint of the root "
                        "(and of a timestamp authority anchor, comma-separated)")
    args = parser.parse_args(argv)
    quiet_libraries()
    report = verify(args.pdf, args.bundle, args.root, args.fingerprint)
    print("\n".join(report.lines()))
    return report.exit_code


def quiet_libraries() -> None:
    """pyHanko logs every failed path with a traceback; the report says it better."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


if __name__ == "__main__":
    sys.exit(main())
