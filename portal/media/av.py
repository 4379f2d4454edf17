"""Audio and video: metadata as found (ffprobe) and a poster frame (ffmpeg).

Both tools run in the sandbox of portal.media.tools on a sealed memory file. They
may open only that file (`-protocol_whitelist file`; no network protocol) through a
short list of demuxers (`-format_whitelist`): playlists and concat lists, which
could point at other files or URLs, are not among them, and MP4's external data
references stay off (ffmpeg's default). The poster comes back as a PNG that the
caller re-encodes through the image worker, so it carries no metadata.
"""

from __future__ import annotations

import json

from portal.media.tools import (
    DEFAULT_TOOL_LIMITS,
    INPUT,
    MemoryInput,
    ToolLimits,
    run_tool,
)

FFPROBE = "/usr/bin/ffprobe"
FFMPEG = "/usr/bin/ffmpeg"
DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,mp3,ogg,wav,flac,aac,avi,asf"
VIDEO_TYPES: frozenset[str] = frozenset({
    "video/mp4", "video/quicktime", "video/x-matroska", "video/webm", "video/x-msvideo",
    "video/3gpp", "video/x-ms-asf"})
AUDIO_TYPES: frozenset[str] = frozenset({
    "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/ogg", "audio/x-wav", "audio/wav",
    "audio/flac", "audio/x-flac", "audio/aac", "audio/x-hx-aac-adts"})
_SAFE_INPUT = ["-protocol_whitelist", "file", "-format_whitelist", DEMUXERS]
_MAX_TEXT = 1024
_MAX_TAGS = 64
_STREAM_FIELDS = ("codec_type", "codec_name", "width", "height", "duration", "sample_rate",
                  "channels", "avg_frame_rate")
_FORMAT_FIELDS = ("format_name", "duration", "bit_rate", "nb_streams")
# Where phones and cameras put the moment of recording and the place.
_DATE_TAGS = ("creation_time", "com.apple.quicktime.creationdate", "date")
_PLACE_TAGS = ("location", "com.apple.quicktime.location.ISO6709", "location-eng")


def probe(source: MemoryInput,
          limits: ToolLimits = DEFAULT_TOOL_LIMITS) -> dict[str, object] | None:
    """ffprobe's view of the file, reduced to plain fields; None if it cannot be read."""
    outcome = run_tool(FFPROBE, ["-v", "error", "-hide_banner", *_SAFE_INPUT,
                                 "-print_format", "json", "-show_format", "-show_streams",
                                 f"file:{INPUT}"], source, limits)
    if not outcome.ok:
        return None
    try:
        found = json.loads(outcome.stdout, parse_constant=_reject)
    except (ValueError, RecursionError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("format"), dict):
        return None
    return _as_found(found)


def _reject(name: str) -> object:
    raise ValueError(name)


def _as_found(found: dict[str, object]) -> dict[str, object]:
    fmt = found["format"]
    assert isinstance(fmt, dict)
    tags = _tags(fmt.get("tags"))
    streams = found.get("streams") if isinstance(found.get("streams"), list) else []
    assert isinstance(streams, list)
    metadata: dict[str, object] = {
        "tool": "ffprobe", **{k: _text(fmt[k]) for k in _FORMAT_FIELDS if k in fmt},
        "tags": tags,
        "streams": [{**{k: _text(s[k]) for k in _STREAM_FIELDS if k in s},
                     "tags": _tags(s.get("tags"))}
                    for s in streams[:16] if isinstance(s, dict)],
    }
    stream_tags = [s["tags"] for s in metadata["streams"]]  # type: ignore[attr-defined]
    for source_tags in (tags, *stream_tags):
        date = next((source_tags[t] for t in _DATE_TAGS if t in source_tags), None)
        if date and "date_time_original" not in metadata:
            metadata["date_time_original"] = date  # the key images use, for the warning
    place = next((tags[t] for t in _PLACE_TAGS if t in tags), None)
    if place:
        metadata["gps"] = place
    return metadata


def _tags(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k)[:120]: _text(v) for k, v in list(value.items())[:_MAX_TAGS]}


def _text(value: object) -> str:
    return str(value)[:_MAX_TEXT]


def poster_frame(source: MemoryInput, limits: ToolLimits = DEFAULT_TOOL_LIMITS) -> bytes | None:
    """The first video frame as PNG (at most 1280 px wide), or None."""
    outcome = run_tool(FFMPEG, [
        "-v", "error", "-nostdin", "-hide_banner", "-threads", "1", *_SAFE_INPUT,
        "-i", f"file:{INPUT}", "-map", "0:v:0", "-frames:v", "1",
        "-vf", "scale='min(1280,iw)':-2", "-map_metadata", "-1", "-fflags", "+bitexact",
        "-c:v", "png", "-f", "image2pipe", "pipe:1"], source, limits)
    if not outcome.ok or not outcome.stdout.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    return outcome.stdout
