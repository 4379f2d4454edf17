"""`flask demo seed`: fictional demo accounts of every role, for trying the portal locally."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.audit import ensure_chain_head
from portal.dependencies import crypto_kit
from portal.models import Role, db
from portal.services.accounts import create_user, find_user

demo_cli = AppGroup("demo", help="Demo data (never in production).")

# Fictional people. The passphrases are public: this data is for a local demo only.
DEMO_USERS = (
    ("admin", "Demo Administrator", Role.ADMIN, "copper kettle winter orchard lantern", "en"),
    ("advocate", "Demo Advocate", Role.ADVOCATE, "violet harbour pencil meadow drum", "en"),
    ("reviewer", "Demo Legal Reviewer", Role.LEGAL_REVIEWER,
     "granite willow echo saffron tide", "fr"),
    ("family", "Demo Family Member", Role.FAMILY_MEMBER, "کوه آبی ستاره باران پنجره", "fa"),
)


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo users if missing and print their logins. Refused in production."""
    if current_app.config["ENV"] != "development":
        raise click.ClickException("demo data is only for ENV='development' instances")
    ensure_chain_head()
    for username, name, role, passphrase, locale in DEMO_USERS:
        if find_user(username) is None:
            create_user(crypto_kit(), username=username, display_name=name, role=role,
                        passphrase=passphrase, locale=locale)
        click.echo(f"  {role.value:15} username: {username:10} passphrase: {passphrase}")
    db.session.commit()
    click.echo("Staff set up a second factor (TOTP) at their first sign-in.")
