"""The deployment check (`make deploy-check`): runs only when the `-m` expression names
`deploy`, so that neither `make test`'s passes (whose own `-m` replaces the default
one) nor `make proof` start nginx, gunicorn and tor."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "deploy" in (config.option.markexpr or "").replace("not deploy", ""):
        return
    left_out = [item for item in items if HERE in item.path.parents]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if HERE not in item.path.parents]
