"""Uploaded media: what a file really is, and safe previews of images.

- `detect_media_type` / `is_dangerous` (portal.media.sniff): libmagic's view of the
  first bytes, and whether a file may ever be rendered.
- `analyse_image` (portal.media.images): metadata as found (EXIF, GPS, XMP) plus a
  thumbnail and a viewing copy stripped of all metadata, decoded in a child process
  limited in memory, CPU and wall-clock time (portal.media.image_worker).

Originals are never changed and plaintext is never written to disk here: bytes pass
through memory and pipes only. Nothing here knows of Flask or the database.
"""

from portal.media.images import (
    DEFAULT_LIMITS,
    MAX_INPUT_BYTES,
    ImageProblem,
    ImageResult,
    WorkerLimits,
    analyse_image,
)
from portal.media.sniff import (
    NEVER_RENDERED,
    PREVIEWABLE_IMAGE_TYPES,
    detect_media_type,
    is_dangerous,
)

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_INPUT_BYTES",
    "NEVER_RENDERED",
    "PREVIEWABLE_IMAGE_TYPES",
    "ImageProblem",
    "ImageResult",
    "WorkerLimits",
    "analyse_image",
    "detect_media_type",
    "is_dangerous",
]
