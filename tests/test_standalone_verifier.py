"""The offline verifier is ONE file that a stranger runs with its pinned packages only
(decision 0019): a fresh venv (python -m venv, pip install of the pins written in the
file's header, nothing of the portal) verifies an export downloaded over HTTP, exits 1
for a bundle with a file removed and its bag rebuilt, and 3 for a dossier signed by a
root it was not told to trust. And the hashing rules it carries are the portal's own,
character for character.

The venv is made once per set of pins and kept in the user's cache folder (a lock
guards it from parallel test workers): the first run installs from PyPI (about half a
minute), the next ones only check it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from flask import Flask

import portal.pdf.verify as verify_module
from portal.audit import hashing
from portal.cli.signing import signing_location
from portal.pdf import bundle as bag
from portal.pdf import pki, pki_issue
from tests.support.client import BrowserClient
from tests.test_dossiers import World
from tests.test_export import approved_dossier, download, export
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)
from tests.test_verify import make_dossier

# The signed files and the tools that read them, not the database: SQLite pass only.
pytestmark = pytest.mark.database_independent

VERIFIER = Path(verify_module.__file__)


def pinned_requirements() -> list[str]:
    """The `name==version` lines of the verifier's header, in order."""
    header = VERIFIER.read_text().split('"""')[1]
    return re.findall(r"^\s+([A-Za-z][\w.-]*==[\w.]+)\s*$", header, flags=re.MULTILINE)


def verifier_venv() -> Path:
    """A venv with the pinned packages only, made once (per pin set) and reused."""
    pins = pinned_requirements()
    key = hashlib.sha256("\n".join([sys.version, *pins]).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache / "ps752-verifier" / key
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ready").is_file():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *pins], check=True, timeout=600)
            (venv / "ready").write_text("\n".join(pins))
    return venv / "bin" / "python"


def run_alone(python: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """verify.py copied alone into `folder`, run by `python` in isolated mode."""
    script = folder / "verify.py"
    script.write_bytes(VERIFIER.read_bytes())
    return subprocess.run([str(python), "-I", str(script), *args], capture_output=True,
                          text=True, cwd=folder, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_the_header_pins_exactly_the_packages_it_needs():
    names = [pin.split("==")[0].lower() for pin in pinned_requirements()]
    assert names == ["pyhanko", "pyhanko-certvalidator", "pikepdf", "bagit"]
    source = VERIFIER.read_text()
    assert "from portal" not in source
    assert "import portal" not in source


def test_its_hashing_rules_are_the_portals_character_for_character():
    portal_rules = Path(hashing.__file__).read_text()
    portal_rules = portal_rules[portal_rules.index("GENESIS_HASH = "):]
    copy = VERIFIER.read_text()
    copy = copy.split("# BEGIN portal/audit/hashing.py\n")[1].split(
        "# END portal/audit/hashing.py")[0]
    assert copy == portal_rules
    values = dict.fromkeys(hashing.CUSTODY_FIELDS, "نمونه")
    assert verify_module.custody_hash("0" * 64, values) == hashing.custody_hash("0" * 64,
                                                                               values)


def _rebuilt_without(bundle: Path, target: Path, prefix: str) -> Path:
    """`bundle` with its first payload file under `prefix` removed and the bag rebuilt
    whole around what is left (as a forger would)."""
    with zipfile.ZipFile(bundle) as archive:
        files = {name.removeprefix("bag/data/"): archive.read(name)
                 for name in archive.namelist() if name.startswith("bag/data/")}
    removed = next(name for name in sorted(files) if name.startswith(prefix))
    del files[removed]
    with target.open("w+b") as spool:
        bag.build_bag_zip([bag.BagFile(path, [data]) for path, data in files.items()],
                          {"Source-Organization": "PS752 case portal"}, spool)
    return target


def test_a_fresh_venv_with_the_pins_alone_verifies_an_export_and_refuses_forgeries(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path):  # noqa: F811
    python = verifier_venv()
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "confidential")
    pdf, bundle = tmp_path / "dossier.pdf", tmp_path / "bundle.zip"
    pdf.write_bytes(download(another_client, dossier_id, export_id, "pdf"))
    bundle.write_bytes(download(another_client, dossier_id, export_id, "bundle"))
    # The stranger's copy is the one the bundle carries.
    with zipfile.ZipFile(bundle) as archive:
        assert archive.read("bag/data/verify.py") == VERIFIER.read_bytes()
    fingerprint = pki.grouped(pki.load_material(*signing_location(app)).root_fingerprint)

    ran = run_alone(python, tmp_path, str(pdf), str(bundle), "--fingerprint", fingerprint)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "RESULT: the dossier verifies." in ran.stdout
    assert "PASS  custody" in ran.stdout
    assert "PASS  bundle" in ran.stdout

    forged = _rebuilt_without(bundle, tmp_path / "forged.zip", "originals/")
    ran = run_alone(python, tmp_path, str(pdf), str(forged), "--fingerprint", fingerprint)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "is listed in the signed manifest but missing from the bundle" in ran.stdout

    foreign = make_dossier(app, tmp_path / "foreign",
                           material=pki_issue.create_material("A forger"))
    ran = run_alone(python, tmp_path, str(foreign.pdf), str(foreign.bundle))
    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert "signed, but by a key you have not told me to trust" in ran.stdout
