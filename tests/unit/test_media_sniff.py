"""Unit tests for portal.media.sniff: media types from content, and what is never rendered."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from PIL import Image

from portal.media import PREVIEWABLE_IMAGE_TYPES, detect_media_type, is_dangerous
from portal.media.sniff import SNIFF_HEAD_BYTES, UNKNOWN_MEDIA_TYPE


def image_head(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, image_format)
    return buffer.getvalue()


def zip_head() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bomb.txt", "0" * 10_000)
    return buffer.getvalue()


def elf_head() -> bytes:
    """A 64-bit little-endian ELF header for an x86-64 executable (e_type 2)."""
    ident = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    return ident + struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 40


HEADS: dict[str, tuple[bytes, str]] = {
    "jpeg": (image_head("JPEG"), "image/jpeg"),
    "png": (image_head("PNG"), "image/png"),
    "webp": (image_head("WEBP"), "image/webp"),
    "heic": (b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "image/heic"),
    "pdf": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "application/pdf"),
    "zip": (zip_head(), "application/zip"),
    "html": (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
             "text/html"),
    "svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
            "image/svg+xml"),
    "elf": (elf_head(), "application/x-executable"),
    "text": ("Statement of the family, 8 January 2020. بیانیه خانواده\n".encode(),
             "text/plain"),
}


@pytest.mark.parametrize(("head", "expected"), HEADS.values(), ids=HEADS.keys())
def test_media_type_comes_from_the_content(head: bytes, expected: str) -> None:
    assert detect_media_type(head) == expected


def test_jpg_name_with_zip_content_is_a_dangerous_zip() -> None:
    media_type = detect_media_type(zip_head())
    assert media_type == "application/zip"
    assert is_dangerous(media_type, ".jpg")


@pytest.mark.parametrize(
    "kind", ["zip", "html", "svg", "elf"],
)
def test_dangerous_content_is_dangerous_whatever_its_name(kind: str) -> None:
    head, _ = HEADS[kind]
    assert is_dangerous(detect_media_type(head), "jpg")


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp", "heic", "pdf", "text"])
def test_images_pdfs_and_text_with_plain_names_are_not_dangerous(kind: str) -> None:
    head, _ = HEADS[kind]
    assert not is_dangerous(detect_media_type(head), "dat")


@pytest.mark.parametrize(
    "extension",
    ["exe", ".EXE", "js", "html", "svg", "xml", "zip", "rar", "7z", "tar", "gz", "docm",
     "xlsm", " .Docm "],
)
def test_dangerous_names_are_dangerous_even_as_plain_text(extension: str) -> None:
    assert is_dangerous("text/plain", extension)


@pytest.mark.parametrize(
    "media_type",
    ["application/x-rar", "application/x-7z-compressed", "application/x-tar",
     "application/gzip", "text/xml", "application/javascript", "text/x-shellscript",
     "application/vnd.microsoft.portable-executable", "application/x-sharedlib",
     "application/vnd.ms-excel.sheet.macroEnabled.12", "TEXT/HTML; charset=utf-8"],
)
def test_dangerous_media_types_are_dangerous_with_any_name(media_type: str) -> None:
    assert is_dangerous(media_type, "pdf")


def test_pdf_and_office_documents_without_macros_are_not_dangerous() -> None:
    assert not is_dangerous("application/pdf", "pdf")
    assert not is_dangerous(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    )


def test_previewable_types_are_the_decodable_image_formats() -> None:
    assert {"image/jpeg", "image/png", "image/webp", "image/heic",
            "image/heif"} == PREVIEWABLE_IMAGE_TYPES
    assert "image/svg+xml" not in PREVIEWABLE_IMAGE_TYPES
    assert not any(is_dangerous(media_type, "") for media_type in PREVIEWABLE_IMAGE_TYPES)


def test_only_the_head_is_read_and_unknown_content_is_octet_stream() -> None:
    assert detect_media_type(b"\x00\x01\x02\x03" * 10) == UNKNOWN_MEDIA_TYPE
    padded = image_head("PNG") + b"\x00" * (SNIFF_HEAD_BYTES * 2)
    assert detect_media_type(padded) == "image/png"
