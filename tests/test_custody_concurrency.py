"""Two writers appending to one item's chain of custody at once (a page view while a
preview job records its renditions) must line up, not claim the same sequence number."""

from __future__ import annotations

import threading

from flask import Flask

from portal.audit.custody import CustodyAction, custody_of, record_custody, verify_custody
from portal.dependencies import crypto_kit
from portal.models import EvidenceItem, Role, db
from tests.support.factories import build_family_world, make_account

APPENDS_PER_WRITER = 15


def test_concurrent_appends_form_one_intact_chain(app: Flask):
    owner = make_account(app, Role.ADMIN)
    with app.app_context():
        item_id = build_family_world(owner.id)["item_id"]
        db.session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(action: CustodyAction) -> None:
        try:
            with app.app_context():
                start.wait()
                for _ in range(APPENDS_PER_WRITER):
                    item = db.session.get(EvidenceItem, item_id)
                    assert item is not None
                    record_custody(item, action, actor=None)
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(action,))
               for action in (CustodyAction.VIEWED, CustodyAction.RENDITION_CREATED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        events = custody_of(item)
        assert [e.seq for e in events] == list(range(1, 2 * APPENDS_PER_WRITER + 1))
        assert verify_custody(crypto_kit(), item) is None
        assert item.custody_last_seq == 2 * APPENDS_PER_WRITER
