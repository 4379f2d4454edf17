"""`flask users create-admin`: the first account. Everyone else comes by invitation."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.dependencies import crypto_kit
from portal.models import Role, db
from portal.services.accounts import create_user
from portal.services.errors import ValidationFailed

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create-admin")
@click.option("--username", prompt=True, help="Login name of the new admin.")
@click.option("--display-name", default="", help="Name shown in the portal.")
@click.option("--passphrase", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when omitted (keeps it out of shell history).")
def create_admin(username: str, display_name: str, passphrase: str) -> None:
    """Create an administrator, who must set up a second factor at first sign-in."""
    try:
        user = create_user(crypto_kit(), username=username, display_name=display_name or username,
                           role=Role.ADMIN, passphrase=passphrase)
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Created admin {user.username!r}. Sign in and set up the second factor.")
