"""What an uploaded file really is, from its first bytes, and whether it may ever be rendered.

The name and the browser's Content-Type are the uploader's claims; libmagic (through
python-magic) looks at the content. A file is classed by both: a ``.jpg`` that is a ZIP
is a ZIP, and a ``.html`` saved as plain text is still never rendered.

Security assumptions: libmagic runs in this process on at most `SNIFF_HEAD_BYTES` of
untrusted input and does not decompress (python-magic leaves ``MAGIC_COMPRESS`` off).
Sniffing decides only how a file is *treated*; an image is trusted only once the limited
worker (portal.media.images) has decoded it.
"""

from __future__ import annotations

import magic

__all__ = [
    "NEVER_RENDERED",
    "PREVIEWABLE_IMAGE_TYPES",
    "SNIFF_HEAD_BYTES",
    "UNKNOWN_MEDIA_TYPE",
    "detect_media_type",
    "is_dangerous",
]

SNIFF_HEAD_BYTES = 256 * 1024
UNKNOWN_MEDIA_TYPE = "application/octet-stream"

# Decoded (in the limited worker) into thumbnails and viewing copies.
PREVIEWABLE_IMAGE_TYPES: frozenset[str] = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}
)

# Media types never rendered, previewed or served inline: they can run code in a
# browser or on a desktop, or unpack into something else.
NEVER_RENDERED: frozenset[str] = frozenset({
    # executables and scripts
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-dosexec",
    "application/vnd.microsoft.portable-executable",
    "application/x-msdownload",
    "application/x-msi",
    "application/java-archive",
    "application/x-java-applet",
    "application/x-sh",
    "text/x-shellscript",
    "text/x-msdos-batch",
    "application/x-bat",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    # markup that a browser would execute or fetch through
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    # archives and compressed streams
    "application/zip",
    "application/x-rar",
    "application/vnd.rar",
    "application/x-rar-compressed",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/zstd",
    # office documents with macros
    "application/vnd.ms-word.document.macroenabled.12",
    "application/vnd.ms-word.template.macroenabled.12",
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.ms-excel.template.macroenabled.12",
    "application/vnd.ms-excel.addin.macroenabled.12",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12",
    "application/vnd.ms-powerpoint.slideshow.macroenabled.12",
})

# Names that are never rendered whatever libmagic says (scripts often sniff as text).
_NEVER_RENDERED_EXTENSIONS: frozenset[str] = frozenset({
    "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "jse", "wsf",
    "hta", "cpl", "lnk", "jar", "apk", "app", "dmg", "elf", "so", "sh", "bash", "js",
    "mjs", "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl",
    "zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "zst",
    "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam",
})


def detect_media_type(head: bytes) -> str:
    """Return libmagic's media type (``image/jpeg``, ``application/zip``...) for ``head``.

    ``head`` is the start of the plaintext; only its first `SNIFF_HEAD_BYTES` are read.
    Returns `UNKNOWN_MEDIA_TYPE` when libmagic cannot tell or fails; never raises for
    content.
    """
    try:
        media_type = magic.from_buffer(head[:SNIFF_HEAD_BYTES], mime=True)
    except magic.MagicException:
        return UNKNOWN_MEDIA_TYPE
    return media_type.strip().lower() or UNKNOWN_MEDIA_TYPE


def is_dangerous(media_type: str, extension: str) -> bool:
    """True if a file must never be rendered, previewed or served inline.

    Either the sniffed ``media_type`` or the uploader's ``extension`` (``"jpg"``,
    ``".JPG"``) is enough. PDFs and previewable images are not dangerous by themselves:
    they are previewed only through their own limited decoders.
    """
    normalised_type = media_type.split(";", 1)[0].strip().lower()
    normalised_extension = extension.strip().lower().lstrip(".")
    return (
        normalised_type in NEVER_RENDERED
        or normalised_extension in _NEVER_RENDERED_EXTENSIONS
    )
