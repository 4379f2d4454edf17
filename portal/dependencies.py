"""The app's long-lived dependencies (CryptoKit, session policy), built once from config."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from portal.crypto.kit import CryptoKit
from portal.crypto.passwords import Argon2Params
from portal.services.sessions import SessionPolicy
from portal.storage import BlobStore, LocalBlobStore

_KIT = "portal.crypto_kit"
_POLICY = "portal.session_policy"
_STORE = "portal.blob_store"


def install(app: Flask) -> None:
    """Build the CryptoKit and SessionPolicy once, from the loaded configuration."""
    cfg = app.config
    argon2 = Argon2Params(time_cost=cfg["ARGON2_TIME_COST"],
                          memory_cost_kib=cfg["ARGON2_MEMORY_KIB"],
                          parallelism=cfg["ARGON2_PARALLELISM"])
    app.extensions[_KIT] = CryptoKit.from_keys(
        master_key_b64=cfg["MASTER_KEY"], master_key_id=cfg["MASTER_KEY_ID"],
        retired_master_keys=cfg["RETIRED_MASTER_KEYS"], index_key_b64=cfg["INDEX_KEY"],
        argon2=argon2)
    app.extensions[_POLICY] = SessionPolicy(
        staff_idle=timedelta(minutes=cfg["STAFF_IDLE_MINUTES"]),
        family_idle=timedelta(minutes=cfg["FAMILY_IDLE_MINUTES"]),
        absolute=timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
        reauth_window=timedelta(minutes=cfg["REAUTH_MINUTES"]),
    )
    app.extensions[_STORE] = _evidence_store(cfg)


def _evidence_store(cfg: Mapping[str, Any]) -> BlobStore:
    """The configured store; the S3 one (and boto3) is imported only when chosen."""
    if cfg["EVIDENCE_STORE"] == "s3":
        from portal.storage.s3 import S3BlobStore, S3Settings
        return S3BlobStore(S3Settings.from_config(cfg))
    return LocalBlobStore(Path(cfg["EVIDENCE_DIR"]))


def blob_store() -> BlobStore:
    """Where evidence blobs live (local files under instance/evidence by default, or an
    S3-compatible bucket with EVIDENCE_STORE = "s3")."""
    store: BlobStore = current_app.extensions[_STORE]
    return store


def crypto_kit() -> CryptoKit:
    kit: CryptoKit = current_app.extensions[_KIT]
    return kit


def session_policy() -> SessionPolicy:
    policy: SessionPolicy = current_app.extensions[_POLICY]
    return policy
