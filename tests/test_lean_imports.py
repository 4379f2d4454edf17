"""A web process that never exports does not carry the PDF stack (nor RQ and Redis).

WeasyPrint, pyHanko, pikepdf and bagit cost a web process ~60 MiB of memory at start
(docs/benchmarks.md, "Evidence upload"); they load only when an export, a signature,
a verification or a PDF render runs (portal/pdf/__init__.py says how). RQ and Redis
load only for `JOBS_BACKEND = "rq"`, and zxcvbn (~12 MiB of dictionaries) only when a
passphrase is judged. This is checked in a fresh interpreter, since
the test session itself has long imported all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import app_config

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("weasyprint", "pyhanko", "pyhanko_certvalidator", "pikepdf", "bagit", "rq", "zxcvbn")

CHILD = """
import json, sys
from portal import create_app
app = create_app(json.loads(sys.argv[1]))
import portal.cli  # every CLI group (create_app registered them too)
loaded = sorted({name.partition(".")[0] for name in sys.modules})
print(json.dumps({
    "loaded": loaded,
    "blueprints": sorted(app.blueprints),
    "commands": sorted(app.cli.list_commands(None)),
    "redis_configured": bool(app.config.get("REDIS_URL") or app.config.get("JOBS_REDIS_URL")),
}))
"""


@pytest.mark.parametrize("backend", ["eager", "thread"])
def test_the_app_and_its_cli_load_no_pdf_library(tmp_path: Path, backend: str):
    config = {**app_config(tmp_path, f"sqlite:///{tmp_path / 'lean.sqlite3'}"),
              "JOBS_BACKEND": backend}
    ran = subprocess.run([sys.executable, "-c", CHILD, json.dumps(config)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    found = json.loads(ran.stdout.strip().splitlines()[-1])
    assert {"dossiers", "evidence", "auth"} <= set(found["blueprints"]), found["blueprints"]
    assert {"dossier", "signing", "jobs", "evidence"} <= set(found["commands"])
    loaded = set(found["loaded"])
    assert "portal" in loaded
    unwanted = [*HEAVY, *([] if found["redis_configured"] else ["redis"])]
    assert not loaded & set(unwanted), sorted(loaded & set(unwanted))
