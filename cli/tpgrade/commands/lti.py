"""``tpgrade lti``: the LMS platforms the service trusts, and what to paste into them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from tpgrade.commands.common import out, user_errors
from tpgrade.commands.service import (
    DEFAULT_DATA,
    Database,
    DataFolder,
    PublicUrl,
    _in_database,
    _service,
    reached,
)
from tpgrade.errors import InputError

lti_app = typer.Typer(
    rich_markup_mode=None,
    help="LTI 1.3: the platforms (Moodle, Canvas, others) that launch students into the service.",
    no_args_is_help=True,
)


def _say(line: str) -> None:
    out.print(line, highlight=False, markup=False, soft_wrap=True)


@lti_app.command("add-platform")
@user_errors
def add_platform(
    issuer: Annotated[str, typer.Option(metavar="URL", help="The platform's issuer (Moodle: its site URL).")],
    client_id: Annotated[str, typer.Option(metavar="ID", help="The client id the platform gave the tool.")],
    deployment_id: Annotated[
        list[str], typer.Option(metavar="ID", help="A deployment id it launches from (repeat for more).")
    ],
    auth_url: Annotated[str, typer.Option(metavar="URL", help="Its authentication request URL.")],
    token_url: Annotated[str, typer.Option(metavar="URL", help="Its access token URL.")],
    jwks_url: Annotated[str, typer.Option(metavar="URL", help="Its public keyset URL.")],
    database: Database = None,
    data: DataFolder = DEFAULT_DATA,
) -> None:
    """Register a platform (again: update it)."""
    _service()
    from tpgrade.service.lti.registry import Platform, add_platform

    found = Platform(issuer.rstrip("/"), client_id, tuple(deployment_id), auth_url, token_url, jwks_url)
    with reached(database, data) as url:
        new = _in_database(url, lambda db: add_platform(db, found), "register the platform")
    _say(f"{'registered' if new else 'updated'}: {found.issuer} (client {found.client_id})")


@lti_app.command("list")
@user_errors
def list_platforms(database: Database = None, data: DataFolder = DEFAULT_DATA) -> None:
    """The registered platforms."""
    _service()
    from tpgrade.service.lti.registry import platforms

    with reached(database, data) as url:
        found = _in_database(url, platforms, "read the platforms")
    if not found:
        _say("no platform registered (tpgrade lti add-platform)")
    for item in found:
        _say(
            f"{item.issuer}  client {item.client_id}  deployments {', '.join(item.deployment_ids)}\n"
            f"  auth {item.auth_url}\n  token {item.token_url}\n  keys {item.jwks_url}"
        )


@lti_app.command("remove")
@user_errors
def remove_platform(
    issuer: Annotated[str, typer.Argument(metavar="ISSUER")],
    client_id: Annotated[str | None, typer.Option(metavar="ID", help="Only this client id.")] = None,
    database: Database = None,
    data: DataFolder = DEFAULT_DATA,
) -> None:
    """Stop trusting a platform: its launches are refused from now on."""
    _service()
    from tpgrade.service.lti.registry import remove_platform

    with reached(database, data) as url:
        count = _in_database(url, lambda db: remove_platform(db, issuer.rstrip("/"), client_id), "remove")
    if not count:
        raise InputError(f"no platform {issuer!r} registered (tpgrade lti list)")
    _say(f"{count} registration(s) of {issuer} removed")


@lti_app.command("rotate-key")
@user_errors
def rotate_key(database: Database = None, data: DataFolder = DEFAULT_DATA) -> None:
    """Sign with a new key; the old one stays in the key set for a day."""
    _service()
    from tpgrade.service.lti.registry import rotate

    with reached(database, data) as url:
        kid = _in_database(url, rotate, "rotate the tool's key")
    _say(f"signing with the new key {kid}")


@lti_app.command("tool-config")
@user_errors
def tool_config(
    public_url: PublicUrl = "http://127.0.0.1:8000",
    json_out: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """What to paste into the platform's "External tool" configuration."""
    base = public_url.rstrip("/")
    values = {
        "Tool URL": f"{base}/lti/launch",
        "LTI version": "LTI 1.3",
        "Public key type": "Keyset URL",
        "Public keyset URL": f"{base}/lti/jwks.json",
        "Initiate login URL": f"{base}/lti/login",
        "Redirection URI(s)": f"{base}/lti/launch",
        "Supports Deep Linking (Content-Item Message)": "yes",
        "Content Selection URL": f"{base}/lti/launch",
        "IMS LTI Assignment and Grade Services": "Use this service for grade sync only",
        "Default launch container": "New window",
        "Custom parameters (a link made by hand)": "day=day2",
    }
    if json_out:
        _say(json.dumps(values, indent=2))
        return
    for name, value in values.items():
        _say(f"{name}: {value}")
    if not base.startswith("https://"):
        _say(
            "note: a platform launches over HTTPS; give --public-url https://… (the service behind its proxy)"
        )
