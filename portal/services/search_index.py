"""A blind index over sealed text, so advocates can search without the database
holding plaintext.

Each word of an incident's free text is normalised (Persian letters and digits
unified, ZWNJ and diacritics removed, lower case) and stored as a keyed hash
(HMAC-SHA256 under a key derived from INDEX_KEY). A search hashes its words the
same way and asks the database for incidents holding all of them. The index
reveals which incidents share a word, never the word (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from sqlalchemy import ColumnElement, delete, exists

from portal.crypto.kit import CryptoKit
from portal.localization import normalize_digits
from portal.models import Incident, SearchToken, db

MIN_WORD_CHARS = 2
# Each word is one EXISTS condition; hundreds of them make PostgreSQL's planner crawl.
MAX_QUERY_WORDS = 8
_ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه"})
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """Fold the spellings that should match: Arabic/Persian letters, digits, case, marks."""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_TO_PERSIAN)
    # ZWNJ, ZWJ and the Arabic tatweel (kashida) change how a word looks, not what it is.
    for invisible in ("\u200c", "\u200d", "\u0640"):
        text = text.replace(invisible, "")
    text = normalize_digits(text).lower()
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) != "Mn")


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalise(text)) if len(w) >= MIN_WORD_CHARS}


def token_for(kit: CryptoKit, word: str) -> str:
    return hmac.new(kit.search_index_key, word.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def legal_tag_digest(kit: CryptoKit, tag: str) -> str:
    """A keyed hash of a legal tag as typed (the tag itself is sealed), so that the
    database refuses the same tag twice on one incident. Its own domain: it never
    equals a word's token. Like the index, it shows which incidents share a tag."""
    message = b"legal-tag\x00" + tag.strip().encode("utf-8")
    return hmac.new(kit.search_index_key, message, hashlib.sha256).hexdigest()


def reindex_incident(kit: CryptoKit, incident: Incident, texts: object) -> None:
    """Replace the incident's tokens with those of its current free text.

    `texts` is the IncidentContent (or anything with the same text attributes).
    """
    db.session.execute(delete(SearchToken).where(SearchToken.incident_id == incident.id))
    found: set[str] = set()
    for name in ("narrative", "demands", "threat_wording", "perpetrators", "witnesses",
                 "harm_note", "city", "province", "online_platform"):
        found |= words(str(getattr(texts, name, "") or ""))
    db.session.add_all(SearchToken(token=token_for(kit, w), incident_id=incident.id)
                       for w in sorted(found))
    db.session.flush()


def has_every_word(kit: CryptoKit, query: str) -> list[ColumnElement[bool]]:
    """One EXISTS condition per word of `query` (all must hold); [] when it has none.

    Checked per incident of the caller's already-filtered scope, each through the
    (token, incident_id) primary key, so the cost follows the advocate's scope and
    not the size of the whole portal (docs/benchmarks.md).
    """
    chosen = sorted(words(query), key=len, reverse=True)[:MAX_QUERY_WORDS]  # most specific
    return [
        exists().where(SearchToken.incident_id == Incident.id, SearchToken.token == token)
        for token in sorted({token_for(kit, w) for w in chosen})
    ]
