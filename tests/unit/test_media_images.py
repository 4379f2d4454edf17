"""Unit tests for portal.media.images: metadata and metadata-free derivatives of hostile
images, decoded in a limited child process. Every input is made here, in memory."""

from __future__ import annotations

import errno
import io
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

from portal.media import image_worker as worker
from portal.media import images
from portal.media.images import ImageProblem, ImageResult, WorkerLimits, analyse_image

RED = (220, 0, 0)
BLUE = (0, 0, 220)
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>secret-xmp</x:xmpmeta>'
COMMENT = b"secret comment"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112


def rational(numerator: int, denominator: int = 1) -> IFDRational:
    return IFDRational(numerator, denominator)


def camera_exif(orientation: int = 6) -> Image.Exif:
    """Tehran (35° 41' 24.3" N, 51° 25' 0" E), 1200 m, taken 8 January 2020."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (rational(35), rational(41), rational(2430, 100))
    gps[3] = "E"
    gps[4] = (rational(51), rational(25), rational(0))
    gps[5] = 0
    gps[6] = rational(1200)
    exif.get_ifd(EXIF_IFD)[0x9003] = "2020:01:08 06:12:00"
    return exif


def two_halves(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: shows where the left edge ends up."""
    image = Image.new(mode, (width, height), BLUE)
    image.paste(Image.new(mode, (width // 2, height), RED), (0, 0))
    return image


def srgb_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert isinstance(profile, bytes)
    return profile


def camera_jpeg(width: int = 3000, height: int = 1500) -> bytes:
    buffer = io.BytesIO()
    two_halves(width, height).save(
        buffer, "JPEG", exif=camera_exif(), icc_profile=srgb_profile(), xmp=XMP,
        comment=COMMENT, quality=90,
    )
    return buffer.getvalue()


def encoded(image: Image.Image, image_format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1×1 PNG whose IHDR (with a correct CRC) claims width × height."""
    data = bytearray(encoded(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def decoded(payload: bytes | None) -> Image.Image:
    assert payload is not None
    image = Image.open(io.BytesIO(payload))
    image.load()
    return image


def assert_no_metadata(payload: bytes | None) -> None:
    assert payload is not None
    image = decoded(payload)
    assert len(image.getexif()) == 0
    leaked = {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp", "Comment"}
    assert leaked.isdisjoint(image.info)
    for marker in (b"Exif", b"secret", b"ICC_PROFILE", b"iCCP", b"eXIf", b"tEXt", b"adobe"):
        assert marker not in payload


def assert_failed(result: ImageResult, problem: ImageProblem) -> None:
    assert not result.ok
    assert result.problem == problem
    assert result.thumbnail is None
    assert result.viewing_copy is None


def colour_near(pixel: object, expected: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(got) - want) < 40 for got, want in zip(pixel[:3], expected, strict=True))


@pytest.fixture(scope="module")
def camera_result() -> ImageResult:
    return analyse_image(camera_jpeg())


def test_camera_jpeg_metadata_keeps_gps_orientation_and_capture_time(
    camera_result: ImageResult,
) -> None:
    assert camera_result.ok, camera_result.problem
    metadata = camera_result.metadata
    assert metadata["format"] == "JPEG"
    assert (metadata["width"], metadata["height"]) == (3000, 1500)
    assert metadata["orientation"] == 6
    assert metadata["date_time_original"] == "2020:01:08 06:12:00"
    assert metadata["gps"] == {
        "latitude": pytest.approx(35.6900833, abs=1e-6),
        "longitude": pytest.approx(51.4166667, abs=1e-6),
        "altitude": 1200.0,
    }
    gps_raw = metadata["gps_raw"]
    assert isinstance(gps_raw, dict)
    assert gps_raw["GPSLatitudeRef"] == "N"
    assert gps_raw["GPSLatitude"] == [35.0, 41.0, 24.3]
    exif = metadata["exif"]
    assert isinstance(exif, dict)
    assert exif["Orientation"] == 6
    assert exif["Make"] == "PhoneMaker"
    assert "secret-xmp" in str(metadata["xmp"])
    assert metadata["comment"] == COMMENT.decode()
    assert metadata["has_icc_profile"] is True


def test_camera_jpeg_derivatives_are_upright_small_jpegs(camera_result: ImageResult) -> None:
    assert camera_result.thumbnail_type == camera_result.viewing_type == "image/jpeg"
    viewing = decoded(camera_result.viewing_copy)
    thumbnail = decoded(camera_result.thumbnail)
    # Orientation 6: 3000×1500 stored, shown rotated 90° clockwise.
    assert viewing.size == (1024, 2048)
    assert thumbnail.size == (160, 320)
    for image in (viewing, thumbnail):
        assert image.format == "JPEG"
        width, height = image.size
        assert colour_near(image.getpixel((width // 2, height // 8)), RED)  # left edge on top
        assert colour_near(image.getpixel((width // 2, height * 7 // 8)), BLUE)


def test_camera_jpeg_derivatives_carry_no_exif_gps_xmp_icc_or_comment(
    camera_result: ImageResult,
) -> None:
    assert_no_metadata(camera_result.thumbnail)
    assert_no_metadata(camera_result.viewing_copy)


def test_small_image_is_not_enlarged() -> None:
    result = analyse_image(encoded(two_halves(200, 100), "JPEG"))
    assert result.ok
    assert decoded(result.viewing_copy).size == (200, 100)
    assert decoded(result.thumbnail).size == (200, 100)
    assert result.metadata["gps"] is None


def test_png_with_transparency_gives_png_derivatives_without_text_or_exif() -> None:
    text = PngInfo()
    text.add_text("Comment", "secret comment in a text chunk")
    source = two_halves(1000, 500, "RGBA")
    source.putpixel((0, 0), (0, 0, 0, 0))
    data = encoded(source, "PNG", pnginfo=text, exif=camera_exif(orientation=1),
                   icc_profile=srgb_profile())
    result = analyse_image(data)
    assert result.ok, result.problem
    assert result.metadata["format"] == "PNG"
    assert result.metadata["mode"] == "RGBA"
    assert result.metadata["gps"] is not None
    assert result.thumbnail_type == result.viewing_type == "image/png"
    assert decoded(result.thumbnail).size == (320, 160)
    assert decoded(result.thumbnail).mode == "RGBA"
    assert_no_metadata(result.thumbnail)
    assert_no_metadata(result.viewing_copy)


def test_palette_png_screenshot_becomes_jpeg() -> None:
    data = encoded(two_halves(640, 480).convert("P"), "PNG")
    result = analyse_image(data)
    assert result.ok, result.problem
    assert result.metadata["mode"] == "P"
    assert result.viewing_type == "image/jpeg"


def test_webp_with_exif_is_analysed_and_stripped() -> None:
    data = encoded(two_halves(2400, 1200), "WEBP", exif=camera_exif(orientation=8),
                   xmp=XMP, quality=80)
    result = analyse_image(data)
    assert result.ok, result.problem
    assert result.metadata["format"] == "WEBP"
    assert result.metadata["orientation"] == 8
    assert result.metadata["gps"] is not None
    viewing = decoded(result.viewing_copy)
    assert viewing.size == (1024, 2048)
    # Orientation 8: rotated 90° counter-clockwise, so the left edge ends at the bottom.
    assert colour_near(viewing.getpixel((512, 2048 * 7 // 8)), RED)
    assert_no_metadata(result.thumbnail)
    assert_no_metadata(result.viewing_copy)


def heic_or_skip(image: Image.Image, exif: Image.Exif) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    try:
        return encoded(image, "HEIF", exif=exif, quality=70)
    except (KeyError, OSError, RuntimeError, ValueError) as error:
        pytest.skip(f"this pillow-heif build cannot encode HEIC ({error})")


def test_heic_is_analysed_and_stripped() -> None:
    data = heic_or_skip(two_halves(800, 400), camera_exif(orientation=1))
    result = analyse_image(data)
    assert result.ok, result.problem
    assert result.metadata["format"] == "HEIF"
    assert result.metadata["gps"] is not None
    assert decoded(result.thumbnail).size == (320, 160)
    assert_no_metadata(result.thumbnail)
    assert_no_metadata(result.viewing_copy)


def test_truncated_jpeg_is_undecodable() -> None:
    data = camera_jpeg(800, 600)
    assert_failed(analyse_image(data[: len(data) // 2]), ImageProblem.UNDECODABLE)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 64,
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
        b"PK\x03\x04" + b"\x00" * 200,
    ],
    ids=["random", "svg", "html", "eps", "zip-renamed-jpg"],
)
def test_non_images_are_undecodable_and_never_rendered(data: bytes) -> None:
    assert_failed(analyse_image(data), ImageProblem.UNDECODABLE)


def test_gif_is_not_a_previewable_format() -> None:
    data = encoded(Image.new("P", (10, 10)), "GIF")
    assert_failed(analyse_image(data), ImageProblem.UNDECODABLE)


def test_empty_input_is_undecodable_without_a_child() -> None:
    assert_failed(analyse_image(b""), ImageProblem.UNDECODABLE)


def test_png_claiming_100000_by_100000_is_refused_quickly() -> None:
    started = time.monotonic()
    assert_failed(analyse_image(png_claiming(100_000, 100_000)), ImageProblem.TOO_LARGE)
    assert time.monotonic() - started < 5


def test_image_over_the_pixel_limit_but_under_twice_it_is_too_large() -> None:
    # 7000 × 7000 = 49 M pixels: Pillow only *warns*; the worker treats that as an error.
    assert_failed(analyse_image(png_claiming(7000, 7000)), ImageProblem.TOO_LARGE)


def test_oversized_input_is_refused_without_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_INPUT_BYTES", 1000)
    assert_failed(analyse_image(b"\xff\xd8\xff" + b"\x00" * 1000), ImageProblem.TOO_LARGE)


def test_running_out_of_memory_is_a_limit_not_a_crash_of_the_caller() -> None:
    data = encoded(Image.new("RGB", (6000, 6000), RED), "JPEG")  # 36 M pixels, 108 MB
    result = analyse_image(data, limits=WorkerLimits(max_memory_bytes=160 * images.MiB))
    assert_failed(result, ImageProblem.LIMIT)


def fake_worker(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    def argv(limits: WorkerLimits) -> list[str]:
        return [sys.executable, "-c", code]

    monkeypatch.setattr(images, "_worker_argv", argv)


def test_wall_clock_timeout_kills_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_worker(monkeypatch, "import time; time.sleep(60)")
    started = time.monotonic()
    assert_failed(analyse_image(b"\xff\xd8\xff", timeout_s=0.5), ImageProblem.TIMEOUT)
    assert time.monotonic() - started < 5


def test_worker_that_closes_stdout_but_hangs_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_worker(monkeypatch, "import os, time; os.close(1); time.sleep(60)")
    assert_failed(analyse_image(b"\xff\xd8\xff", timeout_s=0.5), ImageProblem.TIMEOUT)


def test_worker_killed_for_cpu_time_is_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_worker(monkeypatch, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert_failed(analyse_image(b"\xff\xd8\xff"), ImageProblem.LIMIT)


def test_worker_dying_of_a_segfault_is_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    # SIGTERM stands in for SIGSEGV, which would try to dump core.
    fake_worker(monkeypatch, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    assert_failed(analyse_image(b"\xff\xd8\xff"), ImageProblem.CRASHED)


def test_endless_worker_output_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_worker(monkeypatch, "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)")
    started = time.monotonic()
    assert_failed(analyse_image(b"\xff\xd8\xff"), ImageProblem.WORKER_ERROR)
    assert time.monotonic() - started < 10


def protocol(header: bytes, *payloads: bytes) -> bytes:
    return header + b"\n" + b"".join(struct.pack(">Q", len(p)) + p for p in payloads)


JPEG = encoded(Image.new("RGB", (4, 4)), "JPEG")
GOOD_HEADER = b'{"metadata":{},"thumbnail_type":"image/jpeg","viewing_type":"image/jpeg"}'


@pytest.mark.parametrize(
    "stdout",
    [
        b"",
        b"not json\n",
        protocol(b"[1, 2]", JPEG, JPEG),
        protocol(b'{"metadata":{"a":NaN},"thumbnail_type":"image/jpeg","viewing_type":"image/jpeg"}',
                 JPEG, JPEG),
        protocol(GOOD_HEADER.replace(b"image/jpeg", b"text/html", 1), JPEG, JPEG),
        protocol(GOOD_HEADER, b"<html>not a jpeg</html>", JPEG),
        protocol(GOOD_HEADER, JPEG),
        protocol(GOOD_HEADER, JPEG, JPEG) + b"trailing",
        protocol(GOOD_HEADER, JPEG, JPEG)[:-1],
        b"[" * 100_000 + b"\n",
    ],
    ids=["empty", "garbage", "not-object", "nan", "bad-type", "bad-magic", "one-payload",
         "trailing", "short", "deep-json"],
)
def test_malformed_worker_output_is_a_worker_error(
    monkeypatch: pytest.MonkeyPatch, stdout: bytes
) -> None:
    code = f"import sys; sys.stdin.buffer.read(); sys.stdout.buffer.write({stdout!r})"
    fake_worker(monkeypatch, code)
    assert_failed(analyse_image(b"\xff\xd8\xff"), ImageProblem.WORKER_ERROR)


def test_well_formed_worker_output_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout = protocol(GOOD_HEADER, JPEG, JPEG)
    fake_worker(monkeypatch, f"import sys; sys.stdout.buffer.write({stdout!r})")
    result = analyse_image(b"\xff\xd8\xff")
    assert result.ok
    assert result.thumbnail == result.viewing_copy == JPEG


def test_worker_crash_on_import_is_not_mistaken_for_a_bad_image(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_worker(monkeypatch, "import no_such_module")
    assert_failed(analyse_image(b"\xff\xd8\xff"), ImageProblem.WORKER_ERROR)


def test_exit_codes_agree_between_parent_and_worker() -> None:
    assert (images.EXIT_OK, images.EXIT_UNDECODABLE, images.EXIT_TOO_LARGE,
            images.EXIT_OUT_OF_MEMORY) == (worker.EXIT_OK, worker.EXIT_UNDECODABLE,
                                           worker.EXIT_TOO_LARGE, worker.EXIT_OUT_OF_MEMORY)
    assert images.MAX_HEADER_BYTES == worker.MAX_HEADER_BYTES


def run_isolated(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code], capture_output=True, timeout=60, check=True
    )
    return completed.stdout.decode().strip()


def test_worker_imports_neither_flask_nor_the_portal() -> None:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('w', {str(images.WORKER_PATH)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'portal')))\n"
    )
    assert run_isolated(code) == "[]"


def test_worker_limits_forbid_file_writes_and_core_dumps(tmp_path: Path) -> None:
    target = str(tmp_path / "plaintext")
    code = (
        "import ctypes, importlib.util, resource\n"
        f"spec = importlib.util.spec_from_file_location('w', {str(images.WORKER_PATH)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "module.apply_limits(512 * 1024 * 1024, 20)\n"
        "dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE), 'dumpable', dumpable)\n"
        "try:\n"
        f"    with open({target!r}, 'wb') as plain: plain.write(b'secret')\n"
        "    print('written')\n"
        "except OSError as error:\n"
        "    print('refused', error.errno)\n"
    )
    output = run_isolated(code)
    assert output.startswith("(0, 0) dumpable 0")
    assert output.endswith(f"refused {errno.EFBIG}")
    assert (tmp_path / "plaintext").stat().st_size == 0


def test_gps_position_handles_southern_western_and_below_sea_level() -> None:
    gps = {1: "S", 2: (rational(10), rational(30), rational(0)), 3: b"W\x00",
           4: (rational(20), rational(15), rational(0)), 5: b"\x01", 6: rational(5)}
    assert worker.gps_position(gps) == {"latitude": -10.5, "longitude": -20.25,
                                        "altitude": -5.0}


@pytest.mark.parametrize(
    "gps",
    [{}, {1: "N", 2: (rational(95),), 3: "E", 4: (rational(1),)},
     {1: "N", 2: (rational(1, 0),), 3: "E", 4: (rational(1),)}, {1: "N", 2: "garbage"}],
    ids=["empty", "latitude-out-of-range", "zero-denominator", "not-numbers"],
)
def test_gps_position_ignores_implausible_values(gps: dict[int, object]) -> None:
    assert worker.gps_position(gps) is None


def test_exif_values_are_made_json_safe() -> None:
    assert worker.json_safe(rational(1, 3)) == pytest.approx(1 / 3)
    assert worker.json_safe(rational(1, 0)) is None
    assert worker.json_safe(b"\x00\x01") == {"hex": "0001", "length": 2}
    assert worker.json_safe("Phone\x00\x00") == "Phone"
    assert worker.json_safe((rational(1), b"a")) == [1.0, {"hex": "61", "length": 1}]
    long = worker.json_safe(b"x" * 10_000)
    assert isinstance(long, dict)
    assert long["length"] == 10_000
