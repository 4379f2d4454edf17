"""Fictional translations for the approved demo dossier PS752-0002 (decision 0023):
certified English translations of its two Persian accounts, and French and Persian
translations of every section, so that `flask dossier export 2 --lang fr|fa` works at
once. The French ones are the shipped French templates, completed as the English
sections are; the Persian ones are short sample texts. Fictional: no real person."""

from __future__ import annotations

from portal.dependencies import crypto_kit
from portal.models import Dossier, Incident, User
from portal.models.dossiers import SectionKey
from portal.services import translations
from portal.services.dossiers import section_translations, sections
from portal.services.dossiers.checklist import BRACKETED_INSTRUCTION

DEMO_TRANSLATOR = "(Sample) A. Fictional-Translator, certified translator"
DEMO_CERTIFICATES = {
    "en": "(Sample) I certify that this translation is true and complete.",
    "fr": "(Exemple) Je certifie que la présente traduction est fidèle et complète.",
    "fa": "(نمونه) گواهی می‌کنم که این ترجمه درست و کامل است.",
}
# The two Persian accounts of demo_data.DEMO_PERSIAN_REPORTS, in English.
DEMO_ACCOUNT_TRANSLATIONS = (
    "(Sample) Two days before the anniversary ceremony, two agents came to my father's "
    "house and said that if I spoke at the ceremony, my brother would be summoned. They "
    "took photographs of the front door.",
    "(Sample) An official letter arrived at the family's address summoning me to "
    "\"give explanations\". During the interrogation they asked why I had spoken to "
    "foreign journalists.",
)
_FA = {
    SectionKey.EXECUTIVE_SUMMARY: "(نمونه) این گزارش از سوی خانواده‌های جان‌باختگان پرواز PS752 "
    "ارائه می‌شود و به {{incident_count}} رویداد آزار و تهدید می‌پردازد.",
    SectionKey.METHODOLOGY: "(نمونه) هر رویداد را یکی از اعضای خانواده از راه درگاه گزارش "
    "کرده و مدافعی آن را بررسی کرده است.",
    SectionKey.BACKGROUND: "(نمونه) پس از سرنگونی پرواز PS752، خانواده‌های جان‌باختگان "
    "برای پیگیری حقیقت و عدالت با فشار روبه‌رو شده‌اند.",
    SectionKey.OTHER_PROCEEDINGS: "(نمونه) رسیدگی‌های دیگر در دیوان بین‌المللی دادگستری "
    "و نزد ایکائو در جریان است.",
    SectionKey.JURISDICTION: "(نمونه) عناصر این رویدادها در این کشورها روی داده است: "
    "{{countries}}.",
    SectionKey.LEGAL_CHARACTERISATION: "(نمونه) این اعمال ممکن است مصداق آزار و اذیت "
    "به‌عنوان جنایت علیه بشریت باشد؛ ارزیابی آن با دادستانی است.",
    SectionKey.ADMISSIBILITY: "(نمونه) این گزارش به {{incident_count}} رویداد می‌پردازد؛ "
    "ارزیابی شدت و مکمل بودن با دادستانی است.",
    SectionKey.REQUESTS: "(نمونه) خانواده‌ها از دادستان درخواست می‌کنند که اطلاعات این "
    "گزارش و {{exhibit_count}} مدرک استنادی پیوست را بررسی کند.",
    SectionKey.EVIDENCE_HANDLING: "(نمونه) اثر انگشت SHA-256 هر مدرک استنادی هنگام "
    "دریافت محاسبه شده و فایل اصلی هرگز تغییر نکرده است.",
}


def translate_demo_dossier(advocate: User, dossier: Dossier, reports: list[Incident]) -> None:
    """The advocate records the demo translations (before sending it for review)."""
    kit = crypto_kit()
    for incident, text in zip(reports, DEMO_ACCOUNT_TRANSLATIONS, strict=True):
        translations.add_translation(kit, advocate, incident, translations.TranslationInput(
            language="en", text=text, translator=DEMO_TRANSLATOR, method="human",
            certified=True))
    for key in SectionKey:
        for language, body in (("fr", _french(key)), ("fa", _FA[key])):
            section_translations.save_section_translation(
                kit, advocate, dossier, key.value, language,
                section_translations.SectionTranslationInput(
                    text=body, translator=DEMO_TRANSLATOR, method="human", certified=True,
                    certificate=DEMO_CERTIFICATES[language], lock_version=0))


def _french(key: SectionKey) -> str:
    return BRACKETED_INSTRUCTION.sub("(Texte d'exemple rédigé pour la démo.)",
                                     sections.template_body(key, "fr"))
