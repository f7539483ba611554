"""Command line (`flask --app wsgi ...`): staff accounts, units, dispatches, demo data."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.errors import InvalidInput, PortalError
from portal.labels import ROLES


def init_app(app: Flask) -> None:
    from portal.backup_cli import backup, restore
    from portal.mailin_cli import mailin
    from portal.oauth_cli import mail_oauth
    from portal.sending_cli import outbox, remind

    for command in (
        create_user,
        import_units,
        add_dispatch,
        load_demo,
        mailin,
        outbox,
        remind,
        export,
        mail_oauth,
        backup,
        restore,
        version,
        retention,
    ):
        app.cli.add_command(command)


def _fail(error: PortalError) -> None:
    raise click.ClickException(str(error))


def _date(ctx, param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: YYYY-MM-DD") from exc


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([str(r) for r in ROLES]), default="viewer", show_default=True
)
@click.option("--name", default="", help="Full name shown in the admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff account (asks for the password)."""
    from portal.services.users import create_user as create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            _("Password"), hide_input=True, confirmation_prompt=_("Repeat the password")
        )
    try:
        user = create(email, password, role=role, name=name)
    except PortalError as exc:
        _fail(exc)
    click.echo(
        _("Created the account %(email)s (%(role)s).", email=user.email, role=ROLES[user.role])
    )


@click.command("import-units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report, change nothing.")
@with_appcontext
def import_units(path: Path, dry_run: bool) -> None:
    """Create or update units from an xlsx or csv file (code, name, parent_code, emails)."""
    from portal.services.unit_import import import_units as run_import
    from portal.services.unit_import import read_unit_lines

    try:
        unit_file = read_unit_lines(path)
    except PortalError as exc:
        _fail(exc)
    with click.progressbar(length=len(unit_file.lines), label=_("Units"), file=sys.stderr) as bar:

        def advance(items):
            for item in items:
                yield item
                bar.update(1)

        report = run_import(unit_file, progress=advance, dry_run=dry_run)
    for line, message in report.errors:
        click.echo(f"{path.name}:{line}: {message}", err=True)
    prefix = _("(dry run, nothing saved) ") if dry_run else ""
    summary = _(
        "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
        "%(errors)d lines with errors.",
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        errors=len(report.errors),
    )
    click.echo(prefix + summary)
    if report.errors:
        sys.exit(1)


@click.command("add-dispatch")
@click.option("--number", required=True, help='e.g. "422-CV/TĐTN-TG"')
@click.option("--subject", required=True, help='e.g. "V/v ..."')
@click.option("--issued", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--deadline", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--issuer", default="", help="The body that issued it.")
@click.option("--message-id", default=None, help="Message-ID of the dispatch email.")
@click.option("--upstream", default=None, help="Address the consolidated reply goes to.")
@click.option(
    "--units",
    default=None,
    help="Roster as unit codes, comma-separated (default: every active unit).",
)
@click.option(
    "--form-template",
    type=click.File("rb"),
    default=None,
    help="The blank form sent to units (xlsx, xls, ods, docx): the dispatch asks for its "
    "columns (default: the sites-and-pages form).",
)
@click.option("--form-from", default=None, help="Copy the form of an earlier dispatch (number).")
@with_appcontext
def add_dispatch(
    number, subject, issued, deadline, issuer, message_id, upstream, units, form_template, form_from
) -> None:
    """Add a dispatch and its roster."""
    from portal.services.dispatches import add_dispatch as add

    codes = [c.strip() for c in units.split(",") if c.strip()] if units else None
    try:
        form = _dispatch_form(form_template, form_from)
        dispatch = add(
            number,
            subject,
            issued,
            deadline,
            issuer=issuer,
            message_id=message_id,
            upstream_email=upstream,
            unit_codes=codes,
            form=form,
        )
    except PortalError as exc:
        _fail(exc)
    click.echo(
        _(
            "Added dispatch %(number)s with %(count)d units on its roster.",
            number=dispatch.number,
            count=len(dispatch.recipients),
        )
    )
    _echo_form(dispatch.form_spec)


def _dispatch_form(template, copied_from: str | None):
    """The form the new dispatch asks for: learned from its template, copied, or None
    (the sites-and-pages form)."""
    from portal.services import dispatch_forms

    if template is not None and copied_from:
        raise InvalidInput(_("Give either --form-template or --form-from, not both."))
    if template is not None:
        return dispatch_forms.learn_from_template(template.read()).spec
    if copied_from:
        return dispatch_forms.form_copied_from(copied_from)
    return None


def _echo_form(spec) -> None:
    """The columns the dispatch asks for, for staff to check (and correct in the admin)."""
    from portal.services.dispatch_forms import describe_field

    if spec is None:
        click.echo(_("Form: the sites-and-pages form."))
        return
    click.echo(_("Form: %(title)s, %(count)d columns:", title=spec.title, count=len(spec.fields)))
    for number, field in enumerate(spec.fields, start=1):
        click.echo(f"  {number}. {describe_field(field)}")


@click.command("load-demo")
@click.option("--admin-email", default="admin@example.org", show_default=True)
@click.option(
    "--url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the admin will be served (printed with the login).",
)
@click.option("--force", is_flag=True, help="Load even into a database with units of its own.")
@with_appcontext
def load_demo(admin_email: str, url: str, force: bool) -> None:
    """Load the demo data (Ninh Thuận roster, the two seed dispatches, an admin); idempotent.
    Refused on a database that holds units of its own, unless --force."""
    from portal.demo import load_demo as load

    try:
        password = load(admin_email, force=force)
    except PortalError as exc:
        _fail(exc)
    click.echo(_("Demo data ready."))
    click.echo(_("  Log in at %(url)s/login as %(email)s", url=url.rstrip("/"), email=admin_email))
    click.echo(_("  password: %(password)s", password=password))


@click.command("export")
@click.argument("number")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "docx", "json"]),
    default="json",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output, json only).",
)
@with_appcontext
def export(number: str, fmt: str, output: Path | None) -> None:
    """The consolidated result of dispatch NUMBER, as xlsx, docx or json."""
    import json

    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Dispatch
    from portal.services.consolidated_reply.sending import build

    dispatch = db.session.scalar(select(Dispatch).where(Dispatch.number == number))
    if dispatch is None:
        raise click.ClickException(_("No dispatch numbered %(number)s.", number=number))
    documents = build(dispatch)
    if fmt == "json":
        data = json.dumps(documents.result, ensure_ascii=False, indent=1).encode()
    else:
        data = documents.workbook if fmt == "xlsx" else documents.letter
    if output is None:
        if fmt != "json":
            raise click.ClickException(_("Give a file with -o for xlsx and docx."))
        click.echo(data.decode())
        return
    output.write_bytes(data)
    click.echo(_("Wrote %(path)s.", path=output))


@click.command("version")
@with_appcontext
def version() -> None:
    """The portal's version, the schema revision it needs and the database's."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from portal import __version__, schema_head
    from portal.extensions import db

    try:
        found = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        found = None
    click.echo(_("Returns portal %(version)s", version=__version__))
    click.echo(
        _(
            "Schema: the code needs %(head)s; the database is at %(found)s.",
            head=schema_head(),
            found=found or _("nothing (run flask db upgrade)"),
        )
    )
    if found and found != schema_head():
        click.echo(_("Run `flask --app wsgi db upgrade` (after a backup): see README, Upgrades."))


@click.command("retention")
@click.option("--days", type=int, help="Older than this many days (default: RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Count what would be dropped; change nothing.")
@with_appcontext
def retention(days: int | None, dry_run: bool) -> None:
    """Drop the body and files of old machine mail, duplicates, forgeries and programs,
    keeping their headers and what became of them. Returns are never touched."""
    from flask import current_app

    from portal.services.retention import drop_old_bytes

    days = current_app.config["RETENTION_DAYS"] if days is None else days
    if days <= 0:
        click.echo(_("Retention is off (RETENTION_DAYS=0): nothing dropped."))
        return
    report = drop_old_bytes(days, dry_run=dry_run)
    message = (
        _(
            "%(count)d messages older than %(days)d days would lose %(size)s of bytes.",
            count=report.messages,
            days=days,
            size=_megabytes(report.bytes_dropped),
        )
        if dry_run
        else _(
            "%(count)d messages older than %(days)d days lost %(size)s of bytes; "
            "their headers and outcome are kept.",
            count=report.messages,
            days=days,
            size=_megabytes(report.bytes_dropped),
        )
    )
    click.echo(message)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
