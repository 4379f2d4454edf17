"""A blind index over sealed text, so advocates can search without the database
holding plaintext (decisions 0005 and 0021).

Each word of an incident's free text is brought to the portal's normal form for
matching (`portal.text.normal_form`: Persian and Arabic letters and digits
unified, ZWNJ, diacritics and hamza dropped, case folded; the same form redaction
uses) and stored as a keyed hash (HMAC-SHA256 under a key derived from INDEX_KEY).
So are its stems: the word without one of a closed list of known endings (Persian
plural, possessive, ezafe and verb endings; a few English and French ones), when
at least three letters are left. A search hashes each typed word the same way, so
``برادر`` finds ``برادر``, ``برادرم``, ``برادرها`` and ``برادری``, and ``summon``
finds ``summoned``; a word of two letters finds only itself. Arbitrary prefixes
are never indexed: that would let whoever holds the key read every word back
letter by letter (decision 0021). The index reveals which incidents share a word
or a stem, never the word (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import ColumnElement, delete, exists, select

from portal.crypto.kit import CryptoKit
from portal.models import Incident, SearchToken, db
from portal.models.vocabulary import IncidentStatus
from portal.text import normal_form

MIN_WORD_CHARS = 2
MIN_STEM_CHARS = 3
"""A stem (and so a search that finds longer words) needs three letters: two would
tie together words that share nothing but a common beginning (``بر``, ``co``)."""
# Each word is one EXISTS condition; hundreds of them make PostgreSQL's planner crawl.
MAX_QUERY_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")

# Endings in the normal form (ZWNJ dropped, so ``برادر‌ها`` is ``برادرها``; Persian ی).
# They extend the suffixes `portal.text.matching` allows after a ZWNJ with those
# Persian writes joined: the possessives after a consonant, ان, the verb endings.
_PERSONAL = ("م", "ت", "ش", "مان", "تان", "شان")  # my, your, his/her; our, your, their
_PERSIAN_ENDINGS = frozenset({
    "ها", "ان", "ات",  # plural (ات: اطلاعات, also "your" after a vowel)
    *_PERSONAL, "ام", "اش",  # possessive; after a vowel (خانه‌ام, خانه‌اش)
    *("های" + p for p in ("", "ی", *_PERSONAL)),  # برادرهای, برادرهایی, برادرهایم…
    *("ان" + p for p in ("ی", *_PERSONAL)),  # برادرانی, برادرانم…
    *("ات" + p for p in ("ی", *_PERSONAL)),  # اطلاعاتی, اطلاعاتم…
    "ی", "ای", "یی",  # ezafe, indefinite, adjective (تهرانی)
    "یم", "ید", "ند",  # verbs: we, you, they (کردند finds by کرد)
    "است", "اند",  # copula
    "تر", "ترین",  # comparative, superlative
})
# Endings of Latin-script words after accents are dropped (convoquées is convoquees).
_LATIN_ENDINGS = frozenset({
    "s", "es", "ed", "d", "ing", "ings", "er", "ers", "ly", "ment", "ments",  # English
    "e",  # French feminine: convoquée finds by convoqué (and convoquées by es)
})
_LONGEST_ENDING = max(len(e) for e in _PERSIAN_ENDINGS | _LATIN_ENDINGS)


def words(text: str) -> set[str]:
    """The words of `text` in normal form, of two letters or more."""
    return {w for w in _WORD.findall(normal_form(text)) if len(w) >= MIN_WORD_CHARS}


def stems(word: str) -> set[str]:
    """`word` (in normal form) without each known ending it has, where three letters
    or more are left: ``برادرهایم`` → ``برادرهای``, ``برادرها``, ``برادر``."""
    endings = _PERSIAN_ENDINGS if _PERSIAN_LETTER.search(word) else _LATIN_ENDINGS
    return {word[:-cut] for cut in range(1, min(_LONGEST_ENDING, len(word) - MIN_STEM_CHARS) + 1)
            if word[-cut:] in endings}


def index_terms(text: str) -> set[str]:
    """What is indexed for `text`: each word, and each of its stems."""
    found = words(text)
    return found.union(*(stems(w) for w in found))


def query_words(query: str) -> list[str]:
    """The words a search looks for: at most MAX_QUERY_WORDS, the most specific
    (longest) first."""
    return sorted(words(query), key=lambda w: (-len(w), w))[:MAX_QUERY_WORDS]


def has_short_words(query: str) -> bool:
    """Whether `query` has a word too short to find other forms: a letter alone
    (ignored) or two letters (found only as itself)."""
    return any(len(w) < MIN_STEM_CHARS for w in _WORD.findall(normal_form(query)))


def token_for(kit: CryptoKit, word: str) -> str:
    return hmac.new(kit.search_index_key, word.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def legal_tag_digest(kit: CryptoKit, tag: str) -> str:
    """A keyed hash of a legal tag as typed (the tag itself is sealed), so that the
    database refuses the same tag twice on one incident. Its own domain: it never
    equals a word's token. Like the index, it shows which incidents share a tag."""
    message = b"legal-tag\x00" + tag.strip().encode("utf-8")
    return hmac.new(kit.search_index_key, message, hashlib.sha256).hexdigest()


_INDEXED_TEXTS = ("narrative", "demands", "threat_wording", "perpetrators", "witnesses",
                  "harm_note", "city", "province", "online_platform")


def reindex_incident(kit: CryptoKit, incident: Incident, texts: object) -> None:
    """Replace the incident's tokens with those of its current free text.

    `texts` is the IncidentContent (or anything with the same text attributes).
    """
    db.session.execute(delete(SearchToken).where(SearchToken.incident_id == incident.id))
    found: set[str] = set()
    for name in _INDEXED_TEXTS:
        found |= index_terms(str(getattr(texts, name, "") or ""))
    db.session.add_all(SearchToken(token=token, incident_id=incident.id)
                       for token in sorted({token_for(kit, term) for term in found}))
    db.session.flush()


def reindex_all(kit: CryptoKit, content_of: Callable[[CryptoKit, Incident], object],
                batch: int = 200) -> Iterator[int]:
    """Rebuild the index of every submitted incident from its decrypted text (after
    the indexing rules changed: `flask search reindex`), and drop any token of an
    incident that is not submitted. Yields each incident's id once it is done; the
    caller commits. `content_of` is `incidents.load_content` (that module indexes
    through this one, so it is handed in rather than imported)."""
    submitted = select(Incident.id).where(Incident.status == IncidentStatus.SUBMITTED)
    db.session.execute(delete(SearchToken).where(SearchToken.incident_id.not_in(submitted)))
    last = 0
    while True:
        ids = list(db.session.scalars(submitted.where(Incident.id > last)
                                      .order_by(Incident.id).limit(batch)))
        if not ids:
            return
        for incident in _loaded(ids):
            reindex_incident(kit, incident, content_of(kit, incident))
            yield incident.id
        last = ids[-1]
        db.session.expunge_all()  # flushed: keep a long run's memory flat


def _loaded(ids: Iterable[int]) -> Iterator[Incident]:
    for incident_id in ids:
        incident = db.session.get(Incident, incident_id)
        if incident is not None:
            yield incident


def has_every_word(kit: CryptoKit, query: str) -> list[ColumnElement[bool]]:
    """One EXISTS condition per word of `query` (all must hold); [] when it has none.

    A word of three letters or more also finds the words it is the stem of (its
    token is theirs too); a shorter one finds only itself. Checked per incident of
    the caller's already-filtered scope, each through the (token, incident_id)
    primary key, so the cost follows the advocate's scope and not the size of the
    whole portal (docs/benchmarks.md).
    """
    return [
        exists().where(SearchToken.incident_id == Incident.id, SearchToken.token == token)
        for token in sorted({token_for(kit, w) for w in query_words(query)})
    ]
