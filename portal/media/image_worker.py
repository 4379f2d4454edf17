"""The child process that decodes one untrusted image: metadata plus two clean derivatives.

Run only by portal.media.images, as ``python -I -B image_worker.py MAX_MEMORY_BYTES
MAX_CPU_SECONDS`` with the image on stdin. It imports nothing but the standard library,
Pillow and pillow-heif: never Flask, the app or its configuration.

Before reading any input it limits itself: address space (RLIMIT_AS), CPU time
(RLIMIT_CPU; SIGXCPU then SIGKILL), no file writes (RLIMIT_FSIZE 0: plaintext never
reaches the disk; pipes are not files) and no core dumps (RLIMIT_CORE 0 and not
dumpable). Pillow decodes only JPEG, PNG, WebP and HEIF, refuses more than
`MAX_IMAGE_PIXELS` pixels (the bomb *warning* is an error too) and loads every pixel,
so truncated files fail here rather than in a later renderer.

Protocol on stdout, on exit code 0 only: one line of ASCII JSON (at most
`MAX_HEADER_BYTES`): ``{"metadata": {...}, "thumbnail_type": ..., "viewing_type": ...}``,
then the thumbnail and the viewing copy, each as an 8-byte big-endian length and the
bytes. Other exit codes: 2 undecodable, 3 too large (bomb), 4 out of memory.

Two further modes serve redacted copies (portal/media/blackout.py), with the same
limits and decoders: ``... measure`` writes one JSON line ``{"width": W, "height": H}``
of the upright image; ``... redact RECTANGLES_JSON`` sets every pixel of each
rectangle ``[x, y, width, height]`` to black, writes ``{"width", "height",
"media_type": "image/png"}`` and the PNG (8-byte length, bytes): a new image holding
pixels only, so nothing of the source's metadata is carried over. Exit code 5: a
rectangle is not inside the image.
"""

from __future__ import annotations

import ctypes
import io
import json
import math
import resource
import struct
import sys
import warnings
from collections.abc import Mapping
from typing import Any, BinaryIO

import pillow_heif
from PIL import ExifTags, Image, ImageFile, ImageOps
from PIL.TiffImagePlugin import IFDRational

EXIT_OK = 0
EXIT_UNDECODABLE = 2
EXIT_TOO_LARGE = 3
EXIT_OUT_OF_MEMORY = 4
EXIT_OUTSIDE = 5

MAX_IMAGE_PIXELS = 40_000_000
MAX_HEADER_BYTES = 1024 * 1024
THUMBNAIL_PX = 320
VIEWING_PX = 2048
JPEG_QUALITY = 85
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
LENGTH_PREFIX = struct.Struct(">Q")

_MAX_TEXT_CHARS = 4096
_MAX_XMP_CHARS = 256 * 1024
_MAX_BYTES_SHOWN = 512
_MAX_ITEMS = 256
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_POINTER_TAGS = frozenset({_EXIF_IFD, _GPS_IFD, 0xA005})  # offsets, not metadata
_PR_SET_DUMPABLE = 4


def apply_limits(max_memory_bytes: int, max_cpu_seconds: int) -> None:
    """Limit this process before it touches untrusted bytes (see the module docstring)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (max_cpu_seconds, max_cpu_seconds + 1))
    if sys.platform == "linux":
        # Belt and braces: a core_pattern pipe may ignore RLIMIT_CORE.
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def configure_decoders() -> None:
    """Bomb limits on, truncated files refused, HEIF without extra images or threads."""
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    pillow_heif.register_heif_opener(
        thumbnails=False, depth_images=False, aux_images=False, decode_threads=1
    )


def open_image(data: bytes) -> ImageFile.ImageFile:
    """Open, verify, reopen and fully load ``data``; raises what Pillow raises."""
    with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
        probe.verify()
    image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    image.load()
    return image


def json_safe(value: object, depth: int = 0) -> object:
    """``value`` (an EXIF value) as JSON: rationals as floats, bytes as capped hex."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, IFDRational | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        return value.replace("\x00", "")[:_MAX_TEXT_CHARS]
    if isinstance(value, bytes):
        return {"hex": value[:_MAX_BYTES_SHOWN].hex(), "length": len(value)}
    if depth >= 4:
        return None
    if isinstance(value, tuple | list):
        return [json_safe(item, depth + 1) for item in value[:_MAX_ITEMS]]
    if isinstance(value, Mapping):
        items = list(value.items())[:_MAX_ITEMS]
        return {str(key): json_safe(item, depth + 1) for key, item in items}
    return str(value)[:_MAX_TEXT_CHARS]


def _tags_by_name(tags: Mapping[int, Any], names: Mapping[int, str]) -> dict[str, object]:
    return {
        names.get(tag, f"0x{tag:04x}"): json_safe(value)
        for tag, value in list(tags.items())[:_MAX_ITEMS]
        if tag not in _POINTER_TAGS
    }


def _reference(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).replace("\x00", "").strip().upper()


def _degrees(dms: object, reference: object, negative: str) -> float | None:
    if not isinstance(dms, tuple | list) or not 1 <= len(dms) <= 3:
        return None
    try:
        parts = [float(part) for part in dms]
    except (TypeError, ValueError):
        return None
    degrees = sum(part / 60.0**index for index, part in enumerate(parts))
    if not math.isfinite(degrees):
        return None
    return -degrees if _reference(reference) == negative else degrees


def gps_position(gps: Mapping[int, Any]) -> dict[str, float] | None:
    """Decimal latitude, longitude (and altitude, metres) from a GPS IFD, if plausible."""
    latitude = _degrees(gps.get(2), gps.get(1), "S")
    longitude = _degrees(gps.get(4), gps.get(3), "W")
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    position = {"latitude": round(latitude, 7), "longitude": round(longitude, 7)}
    altitude = json_safe(gps.get(6))
    if isinstance(altitude, float | int) and not isinstance(altitude, bool):
        below_sea_level = gps.get(5) in (1, b"\x01")
        position["altitude"] = -float(altitude) if below_sea_level else float(altitude)
    return position


def _text(value: object, limit: int) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.replace("\x00", "")[:limit] if isinstance(value, str) else None


def _exif_metadata(image: Image.Image) -> dict[str, object]:
    exif = image.getexif()
    gps = exif.get_ifd(_GPS_IFD)
    details = exif.get_ifd(_EXIF_IFD)
    orientation = exif.get(ExifTags.Base.Orientation)
    return {
        "exif": _tags_by_name(exif, ExifTags.TAGS) | _tags_by_name(details, ExifTags.TAGS),
        "orientation": orientation if isinstance(orientation, int) else None,
        "date_time_original": _text(details.get(ExifTags.Base.DateTimeOriginal), 64),
        "gps": gps_position(gps),
        "gps_raw": _tags_by_name(gps, ExifTags.GPSTAGS),
    }


def describe_image(image: ImageFile.ImageFile) -> dict[str, object]:
    """The metadata as found, before any orientation is applied. JSON-safe."""
    image_format = image.format or ""
    metadata: dict[str, object] = {
        "format": image_format,
        "media_type": Image.MIME.get(image_format),
        "mode": image.mode,
        "width": image.width,
        "height": image.height,
        "frames": getattr(image, "n_frames", 1),
        "xmp": _text(image.info.get("xmp"), _MAX_XMP_CHARS),
        "comment": _text(image.info.get("comment"), _MAX_TEXT_CHARS),
        "has_icc_profile": bool(image.info.get("icc_profile")),
    }
    try:
        metadata |= _exif_metadata(image)
    except Exception:  # broken EXIF must not cost the preview
        metadata["exif_error"] = "unreadable"
    return metadata


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info


def make_derivatives(image: ImageFile.ImageFile) -> tuple[Image.Image, Image.Image]:
    """Thumbnail and viewing copy: upright, RGB or RGBA, new images holding pixels only."""
    ImageOps.exif_transpose(image, in_place=True)
    target_mode = "RGBA" if _has_alpha(image) else "RGB"
    working: Image.Image = image if image.mode == target_mode else image.convert(target_mode)
    working.thumbnail((VIEWING_PX, VIEWING_PX), Image.Resampling.LANCZOS)
    # A new image gets the pixels and nothing else: no exif, icc_profile, xmp, comment
    # or text chunk in .info for an encoder to copy.
    viewing = Image.new(target_mode, working.size)
    viewing.paste(working, (0, 0))
    thumbnail = viewing.copy()
    thumbnail.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    return thumbnail, viewing


def encode(image: Image.Image) -> tuple[str, bytes]:
    """(media type, bytes): JPEG for RGB, PNG for RGBA; no metadata is written."""
    buffer = io.BytesIO()
    if image.mode == "RGB":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, icc_profile=None)
        return "image/jpeg", buffer.getvalue()
    image.save(buffer, "PNG", icc_profile=None)
    return "image/png", buffer.getvalue()


def _header(metadata: dict[str, object], thumbnail_type: str, viewing_type: str) -> bytes:
    def dump(meta: dict[str, object]) -> bytes:
        document = {"metadata": meta, "thumbnail_type": thumbnail_type,
                    "viewing_type": viewing_type}
        return json.dumps(document, ensure_ascii=True, allow_nan=False,
                          separators=(",", ":")).encode("ascii") + b"\n"

    header = dump(metadata)
    if len(header) > MAX_HEADER_BYTES:
        bulky = ("exif", "gps_raw", "xmp", "comment")
        trimmed = {k: v for k, v in metadata.items() if k not in bulky}
        header = dump(trimmed | {"metadata_truncated": True})
    return header


def write_protocol(
    out: BinaryIO, metadata: dict[str, object], thumbnail: Image.Image, viewing: Image.Image
) -> None:
    """Encode both derivatives and write the header and payloads to ``out``."""
    thumbnail_type, thumbnail_bytes = encode(thumbnail)
    viewing_type, viewing_bytes = encode(viewing)
    out.write(_header(metadata, thumbnail_type, viewing_type))
    for payload in (thumbnail_bytes, viewing_bytes):
        out.write(LENGTH_PREFIX.pack(len(payload)))
        out.write(payload)
    out.flush()


def analyse(data: bytes, out: BinaryIO) -> int:
    """Decode ``data`` and write the protocol to ``out``; returns the exit code."""
    try:
        image = open_image(data)
        metadata = describe_image(image)
        thumbnail, viewing = make_derivatives(image)
        image.close()  # frees the full-size pixels before encoding
        write_protocol(out, metadata, thumbnail, viewing)
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return EXIT_TOO_LARGE
    except Exception:
        # Whatever a decoder raises on hostile bytes (OSError, SyntaxError, ValueError,
        # struct.error, RuntimeError from libheif...), the answer is the same.
        return EXIT_UNDECODABLE
    return EXIT_OK


BLACK = 0


def upright_pixels(image: ImageFile.ImageFile) -> Image.Image:
    """The image as shown (EXIF orientation applied), RGB or RGBA, in a new image that
    holds pixels only."""
    ImageOps.exif_transpose(image, in_place=True)
    target_mode = "RGBA" if _has_alpha(image) else "RGB"
    working: Image.Image = image if image.mode == target_mode else image.convert(target_mode)
    clean = Image.new(target_mode, working.size)
    clean.paste(working, (0, 0))
    return clean


def paint_rectangles(image: Image.Image, rectangles: list[list[int]]) -> bool:
    """Set every pixel of each [x, y, width, height] to opaque black (the pixels are
    replaced, not covered); False, and nothing painted, if one is not inside."""
    boxes = []
    for x, y, width, height in rectangles:
        if min(x, y) < 0 or width < 1 or height < 1 or x + width > image.width \
                or y + height > image.height:
            return False
        boxes.append((x, y, x + width, y + height))
    colour = (BLACK, BLACK, BLACK, 255) if image.mode == "RGBA" else (BLACK, BLACK, BLACK)
    for box in boxes:
        image.paste(colour, box)
    return True


def measure(data: bytes, out: BinaryIO) -> int:
    """Write the upright image's size as one JSON line."""
    image = open_image(data)
    width, height = upright_pixels(image).size
    out.write(json.dumps({"width": width, "height": height}).encode("ascii") + b"\n")
    out.flush()
    return EXIT_OK


def redact(data: bytes, rectangles: list[list[int]], out: BinaryIO) -> int:
    """Paint the rectangles black on the upright image; write its size and the PNG."""
    image = upright_pixels(open_image(data))
    if not paint_rectangles(image, rectangles):
        return EXIT_OUTSIDE
    buffer = io.BytesIO()
    image.save(buffer, "PNG", icc_profile=None)
    payload = buffer.getvalue()
    header = {"width": image.width, "height": image.height, "media_type": "image/png"}
    out.write(json.dumps(header).encode("ascii") + b"\n")
    out.write(LENGTH_PREFIX.pack(len(payload)))
    out.write(payload)
    out.flush()
    return EXIT_OK


def _rectangles(text: str) -> list[list[int]]:
    """The rectangles argument: a JSON list of four-integer lists (else ValueError)."""
    value = json.loads(text)
    if not isinstance(value, list) or not all(
            isinstance(r, list) and len(r) == 4
            and all(isinstance(n, int) and not isinstance(n, bool) for n in r) for r in value):
        raise ValueError("rectangles")
    return value


def guarded(action: Any) -> int:
    """Run a mode, mapping what decoding raises onto the exit codes."""
    try:
        result: int = action()
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return EXIT_TOO_LARGE
    except Exception:  # as in `analyse`: any decoder failure is "undecodable"
        return EXIT_UNDECODABLE
    return result


def main(argv: list[str]) -> int:
    """``image_worker.py MAX_MEMORY_BYTES MAX_CPU_SECONDS [measure | redact RECTANGLES]``
    < image > protocol."""
    max_memory_bytes, max_cpu_seconds = int(argv[0]), int(argv[1])
    apply_limits(max_memory_bytes, max_cpu_seconds)
    configure_decoders()
    mode = argv[2] if len(argv) > 2 else "analyse"
    if mode == "measure":
        return guarded(lambda: measure(sys.stdin.buffer.read(), sys.stdout.buffer))
    if mode == "redact":
        rectangles = _rectangles(argv[3])
        return guarded(lambda: redact(sys.stdin.buffer.read(), rectangles, sys.stdout.buffer))
    return analyse(sys.stdin.buffer.read(), sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
