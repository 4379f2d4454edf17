"""The fonts of the dossier, embedded from files we name (never what fontconfig picks).

Noto Serif for Latin text, Noto Naskh Arabic for Persian (it shapes joining, ZWNJ and
Persian digits correctly), Noto Sans for the page furniture. Debian's
`fonts-noto-core` installs them; rendering stops with `FontsMissing` naming the
package when one is absent, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from portal.pdf.assets import Asset, asset_url

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/noto"
PACKAGE_HINT = "install Debian's fonts-noto-core (make setup does) or set PDF_FONT_DIR"

# (CSS family, weight, style, file)
FACES: tuple[tuple[str, str, str, str], ...] = (
    ("Dossier Serif", "normal", "normal", "NotoSerif-Regular.ttf"),
    ("Dossier Serif", "bold", "normal", "NotoSerif-Bold.ttf"),
    ("Dossier Sans", "normal", "normal", "NotoSans-Regular.ttf"),
    ("Dossier Sans", "bold", "normal", "NotoSans-Bold.ttf"),
    ("Dossier Persian", "normal", "normal", "NotoNaskhArabic-Regular.ttf"),
    ("Dossier Persian", "bold", "normal", "NotoNaskhArabic-Bold.ttf"),
)


class FontsMissing(RuntimeError):
    """A font the dossier needs is not installed."""


def font_assets(font_dir: str | Path = DEFAULT_FONT_DIR) -> dict[str, Asset]:
    """Every face as an asset for the fetcher. Raises FontsMissing naming the files."""
    folder = Path(font_dir)
    missing = [name for *_, name in FACES if not (folder / name).is_file()]
    if missing:
        raise FontsMissing(f"fonts missing in {folder}: {', '.join(missing)}; {PACKAGE_HINT}")
    return {f"font/{name}": Asset("font/ttf", (folder / name).read_bytes())
            for *_, name in FACES}


def font_face_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f'font-style: {style}; src: url("{asset_url("font/" + name)}"); }}'
        for family, weight, style, name in FACES)
