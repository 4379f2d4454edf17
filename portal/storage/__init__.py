"""Where encrypted evidence blobs are kept: the `BlobStore` interface, its local-disk
implementation (`LocalBlobStore`, under ``instance/evidence/``) and, in
``portal.storage.s3`` (imported only when configured: it loads boto3), `S3BlobStore`.

Blobs are opaque ciphertext (see portal.crypto.streaming); this layer never sees
plaintext, knows nothing of Flask or the database, and commits a blob durably before the
caller commits the database row that refers to it.
"""

from portal.storage.local import (
    BlobAlreadyExists,
    BlobNotFound,
    BlobRetained,
    BlobStore,
    InvalidBlobKey,
    LocalBlobStore,
    LocalPendingBlob,
    PendingBlob,
    StorageError,
    StorageUnavailable,
    UnsafeBlobPath,
    validate_blob_key,
)

__all__ = [
    "BlobAlreadyExists",
    "BlobNotFound",
    "BlobRetained",
    "BlobStore",
    "InvalidBlobKey",
    "LocalBlobStore",
    "LocalPendingBlob",
    "PendingBlob",
    "StorageError",
    "StorageUnavailable",
    "UnsafeBlobPath",
    "validate_blob_key",
]
