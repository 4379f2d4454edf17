"""Render the shipped deployment for one host: `python deploy/render.py --out DIR
--set BASE_URL=https://portal.example.org [--set NAME=VALUE ...]`.

Writes into DIR: `nginx.conf` (for /etc/nginx/nginx.conf), `ps752.conf` (the site, for
/etc/nginx/sites-enabled/), `ps752-errors/` (nginx's own 413 and 50x pages, in the
portal's words in English, French and Persian, taken from its catalogs), and `torrc`
(the onion service). The templates are deploy/nginx/*.conf and deploy/tor/torrc:
`${NAME}` is a setting (nginx's own `$variables` are left alone); a line ending in
`##if NAME`, or the lines between `##if NAME {` and `##}`, are kept only when NAME is
set. Every setting and its default is in SETTINGS; docs/operations.md, "Deployment".
The deployment test (tests/deploy/) renders with loopback values through this script.
"""

from __future__ import annotations

import argparse
import html
import re
import string
import sys
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.pofile import read_po

DEPLOY = Path(__file__).resolve().parent
CATALOGS = DEPLOY.parent / "portal" / "translations"
FORM_ALLOWANCE = 16 * 1024**2  # what portal/config.py adds to MAX_UPLOAD_BYTES
NGINX_MARGIN = 1024**2  # nginx's limit sits just above the portal's

SETTINGS: dict[str, str] = {
    "BASE_URL": "",  # required: the portal's public origin, as PORTAL_BASE_URL
    "MAX_UPLOAD_BYTES": str(2 * 1024**3),  # as PORTAL_MAX_UPLOAD_BYTES
    "UPSTREAM": "127.0.0.1:8000",  # gunicorn (deploy/gunicorn.conf.py, PS752_BIND)
    "HTTP_LISTEN": "80",  # empty: no redirecting plain-HTTP server
    "HTTPS_LISTEN": "443",  # empty: no clearnet server at all (onion only)
    "ONION_LISTEN": "127.0.0.1:8081",  # where Tor's HiddenServicePort points; empty: none
    "ONION_LOCATION": "",  # an onion address to advertise with Onion-Location
    "TLS_CERTIFICATE": "/etc/ssl/ps752/fullchain.pem",
    "TLS_CERTIFICATE_KEY": "/etc/ssl/ps752/privkey.pem",
    "CLIENT_TIMEOUT": "60s",  # client_body/header_timeout, send_timeout
    "PROXY_TIMEOUT": "120s",  # proxy_send/read_timeout
    "LOG_DIR": "/var/log/nginx",
    "ERROR_PAGES_DIR": "/etc/nginx/ps752-errors",  # where ps752-errors/ is installed
    "NGINX_USER": "www-data",  # empty: nginx runs as whoever starts it
    "NGINX_PID": "/run/nginx.pid",
    "NGINX_LOG_DIR": "/var/log/nginx",
    "NGINX_TEMP_DIR": "/var/lib/nginx",
    "NGINX_MIME_TYPES": "/etc/nginx/mime.types",
    "NGINX_SITE": "/etc/nginx/sites-enabled/ps752.conf",
    "TOR_SERVICE_DIR": "/var/lib/tor/ps752/",
}

# nginx's own pages, in the portal's words: (title, message) msgids of portal/web/errors.py.
ERROR_PAGES = {
    "413.html": ("Too large", "What you sent is too large. Nothing was saved."),
    "50x.html": ("Something went wrong", "Nothing was saved. Please try again in a moment."),
}
LANGUAGES = (("en", "ltr"), ("fr", "ltr"), ("fa", "rtl"))


class Setting(string.Template):
    """Only `${UPPER_CASE}` is a setting; `$host`, `$uri`… stay nginx's."""

    flags = 0  # case-sensitive: `${lower}` would be nginx's
    pattern = (r"\$(?:(?P<escaped>(?!))|\{(?P<braced>[A-Z][A-Z0-9_]*)\}"
               r"|(?P<named>(?!))|(?P<invalid>(?!)))")


def derive(values: dict[str, str]) -> dict[str, str]:
    """Fill what follows from BASE_URL and MAX_UPLOAD_BYTES."""
    parts = urlsplit(values["BASE_URL"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit("BASE_URL must be the portal's origin, e.g. https://portal.example.org")
    limit = int(values["MAX_UPLOAD_BYTES"]) + FORM_ALLOWANCE + NGINX_MARGIN
    return {**values, "PORTAL_HOST": parts.hostname, "CLIENT_MAX_BODY_SIZE": str(limit),
            "PUBLIC_ORIGIN": f"{parts.scheme}://{parts.netloc}"}


def keep_chosen_lines(text: str, values: dict[str, str]) -> str:
    """Apply the `##if NAME` markers (one line, or a `{ … ##}` block)."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        stripped = line.strip()
        block = re.fullmatch(r"##if ([A-Z_]+) \{", stripped)
        if block:
            skipping = not values.get(block.group(1))
            continue
        if stripped == "##}":
            skipping = False
            continue
        single = re.search(r"\s*##if ([A-Z_]+)$", line)
        if single:
            if skipping or not values.get(single.group(1)):
                continue
            line = line[:single.start()]
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def render_template(template: Path, values: dict[str, str]) -> str:
    return Setting(keep_chosen_lines(template.read_text(encoding="utf-8"), values)).substitute(
        values)


def translations(locale: str) -> dict[str, str]:
    if locale == "en":
        return {}
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and m.string}


def error_page(title: str, message: str) -> str:
    sections = []
    for locale, direction in LANGUAGES:
        words = translations(locale)
        sections.append(
            f'<section lang="{locale}" dir="{direction}">\n'
            f"<h1>{html.escape(words.get(title, title))}</h1>\n"
            f"<p>{html.escape(words.get(message, message))}</p>\n</section>")
    return ('<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n" + "\n".join(sections) + "\n</html>\n")


def render(out: Path, values: dict[str, str]) -> None:
    values = derive(values)
    out.mkdir(parents=True, exist_ok=True)
    (out / "nginx.conf").write_text(render_template(DEPLOY / "nginx" / "nginx.conf", values))
    (out / "ps752.conf").write_text(render_template(DEPLOY / "nginx" / "portal.conf", values))
    (out / "torrc").write_text(render_template(DEPLOY / "tor" / "torrc", values))
    pages = out / "ps752-errors"
    pages.mkdir(exist_ok=True)
    for name, (title, message) in ERROR_PAGES.items():
        (pages / name).write_text(error_page(title, message), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--set", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE", help="a setting (see SETTINGS); again for more")
    args = parser.parse_args(argv)
    values = dict(SETTINGS)
    for item in args.settings:
        name, _, value = item.partition("=")
        if name not in SETTINGS:
            raise SystemExit(f"unknown setting {name}: one of {', '.join(SETTINGS)}")
        values[name] = value
    render(args.out, values)
    print(f"rendered into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
