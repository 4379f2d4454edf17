"""Create instance/ and write instance/config.py with fresh secrets if it is missing.

Runs before the app exists (the app refuses to start without these secrets), so it
imports nothing of Flask's app. Usage: `python -m portal.setup_instance [INSTANCE_DIR]`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from portal.config import render_instance_config

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def ensure_instance_config(instance_dir: Path) -> bool:
    """Write config.py (mode 0600) unless it exists; True when it was written.

    Also makes the folder private (0700) and creates the embedded SQLite database
    file as 0600 before SQLite would create it world-readable.
    """
    instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance_dir.chmod(0o700)
    database = instance_dir / "portal.sqlite3"
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    target = instance_dir / "config.py"
    if target.exists():
        return False
    # O_EXCL: never overwrite secrets that another process wrote a moment ago.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render_instance_config())
    return True


def main(argv: list[str]) -> int:
    instance_dir = Path(argv[1]) if len(argv) > 1 else Path(
        os.environ.get("PORTAL_INSTANCE_PATH", DEFAULT_INSTANCE)
    )
    written = ensure_instance_config(instance_dir)
    state = "written" if written else "already present, left unchanged"
    print(f"{instance_dir / 'config.py'}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
