"""Where encrypted evidence blobs are kept: the `BlobStore` interface and its local-disk
implementation (`LocalBlobStore`, under ``instance/evidence/``).

Blobs are opaque ciphertext (see portal.crypto.streaming); this layer never sees
plaintext, knows nothing of Flask or the database, and commits a blob durably before the
caller commits the database row that refers to it.
"""

from portal.storage.local import (
    BlobAlreadyExists,
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    LocalBlobStore,
    LocalPendingBlob,
    PendingBlob,
    StorageError,
    UnsafeBlobPath,
    validate_blob_key,
)

__all__ = [
    "BlobAlreadyExists",
    "BlobNotFound",
    "BlobStore",
    "InvalidBlobKey",
    "LocalBlobStore",
    "LocalPendingBlob",
    "PendingBlob",
    "StorageError",
    "UnsafeBlobPath",
    "validate_blob_key",
]
