"""Translating every section of a dossier over HTTP, as its advocate does on the
section translation page (decision 0023), so that it can be exported in that language."""

from __future__ import annotations

from collections.abc import Callable

from portal.models.dossiers import SectionKey
from tests.support.client import BrowserClient

TRANSLATOR = "Fictional Translator"
SAMPLE_TEXT = {
    "fr": "Texte traduit de la section « {key} », rédigé pour ce dossier fictif.",
    "fa": "متن ترجمه‌شدهٔ بخش «{key}» برای این پروندهٔ حقوقی ساختگی.",
    "en": "Translated text of the section “{key}”, written for this fictional dossier.",
}


def translate_section(client: BrowserClient, dossier_id: int, key: str, language: str,
                      text: str, certified: bool = True) -> None:
    page = f"/dossiers/{dossier_id}/sections/{key}/translations/{language}"
    saved = client.submit(page, {
        "text": text, "translator": TRANSLATOR, "method": "human",
        "certified": "y" if certified else None,
        "certificate": "I certify that this translation is true and complete." if certified
        else ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:800]


def translate_every_section(client: BrowserClient, dossier_id: int, language: str,
                            text_of: Callable[[str], str] | None = None) -> None:
    """The advocate (signed in on `client`) translates every section into `language`."""
    for key in SectionKey:
        text = text_of(key.value) if text_of else SAMPLE_TEXT[language].format(key=key.value)
        translate_section(client, dossier_id, key.value, language, text)
