"""Create instance/ and write instance/config.py with fresh secrets if it is missing.

Runs before the app exists (the app refuses to start without these secrets), so it
imports nothing of Flask's app. Usage:
`python -m portal.setup_instance [--development] [INSTANCE_DIR]`. The instance is a
production one unless `--development` is given (`make run` gives it): only a
development instance accepts the demo data, whose passphrases are in the source.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal.config import render_instance_config

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def ensure_instance_config(instance_dir: Path, *, development: bool = False) -> bool:
    """Write config.py (mode 0600) unless it exists; True when it was written. It says
    ENV = 'production' unless `development`; an existing file is never changed.

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
        handle.write(render_instance_config(development=development))
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.setup_instance",
                                     description="Write instance/config.py with fresh secrets.")
    parser.add_argument("--development", action="store_true",
                        help="a development instance, which accepts demo data")
    parser.add_argument("instance_dir", nargs="?", type=Path, default=Path(
        os.environ.get("PORTAL_INSTANCE_PATH", DEFAULT_INSTANCE)))
    args = parser.parse_args(argv[1:])
    instance_dir: Path = args.instance_dir
    written = ensure_instance_config(instance_dir, development=args.development)
    state = "written" if written else "already present, left unchanged"
    print(f"{instance_dir / 'config.py'}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
