"""Choosing the S3 store is configuration only, and a wrong configuration is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from portal.config import ConfigError, load_config, validate_evidence_store


def test_s3_without_a_bucket_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        validate_evidence_store({"EVIDENCE_STORE": "s3", "S3_BUCKET": None})
    with pytest.raises(ConfigError, match="EVIDENCE_STORE"):
        validate_evidence_store({"EVIDENCE_STORE": "ftp"})
    with pytest.raises(ConfigError, match="S3_RETENTION_DAYS"):
        validate_evidence_store({"EVIDENCE_STORE": "s3", "S3_BUCKET": "b",
                                 "S3_RETENTION_DAYS": -1})
    validate_evidence_store({"EVIDENCE_STORE": "s3", "S3_BUCKET": "evidence"})


def test_the_s3_store_comes_from_environment_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.dependencies import _evidence_store
    from portal.storage.s3 import S3BlobStore

    for name, value in (("EVIDENCE_STORE", "s3"), ("S3_BUCKET", "evidence"),
                        ("S3_ENDPOINT", "http://127.0.0.1:1"), ("S3_RETENTION_DAYS", "30")):
        monkeypatch.setenv(f"PORTAL_{name}", value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-the-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "its-secret")
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app, {"TESTING": True})
    store = _evidence_store(app.config)
    assert isinstance(store, S3BlobStore)
    assert store.bucket == "evidence"
    assert store.settings.retention_days == 30
    credentials = store.client._request_signer._credentials
    assert credentials.access_key == "from-the-environment"
