"""Files to upload, made in memory, and the upload step as a browser does it."""

from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

from PIL import Image
from werkzeug.test import TestResponse

from tests.support.client import BrowserClient


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation
    exif[0x010F] = "SampleCam"  # camera make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (35.0, 41.0, 21.0), 3: "E", 4: (51.0, 23.0, 20.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 80, 160, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 60)).save(buffer, "WEBP")
    return buffer.getvalue()


def pdf() -> bytes:
    """A one-page PDF written by hand (the smallest valid shape)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def chat_export_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("chat.txt", "[08/01/2020] Unknown: stop talking to journalists\n")
    return buffer.getvalue()


def upload(client: BrowserClient, incident_id: int, files: list[tuple[bytes, str]],
           **fields: str) -> TestResponse:
    page = f"/reports/{incident_id}/evidence"
    token = client.csrf_token(page)
    data: dict[str, object] = {"csrf_token": token, "kind": "document", **fields,
                               "files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post(page, data=data, content_type="multipart/form-data")


def _ffmpeg(args: list[str], suffix: str) -> bytes:
    """Tiny fictional media made by Debian's ffmpeg (test tone and test pattern)."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"out{suffix}"
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(target)],
                       check=True, timeout=60)
        return target.read_bytes()


def mp4(creation_time: str = "2020-01-08T10:00:00Z") -> bytes:
    """One second of video and tone; ffmpeg writes the index (moov) at the end."""
    return _ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi",
                    "-i", "sine=frequency=440", "-t", "1", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    "-metadata", f"creation_time={creation_time}"], ".mp4")


def mp3() -> bytes:
    return _ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440", "-t", "1",
                    "-metadata", "title=Voicemail"], ".mp3")


def m4a() -> bytes:
    return _ffmpeg(["-f", "lavfi", "-i", "sine=frequency=330", "-t", "1", "-c:a", "aac"],
                   ".m4a")
