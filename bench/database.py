"""Fresh databases for the bench (SQLite files, or databases on a private PostgreSQL),
the app's configuration as environment variables, and fast seeding of units and rosters."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from bench.generate import DISPATCH_MESSAGE_ID, DISPATCH_NUMBER, DISPATCH_SUBJECT, UnitSpec
from mailin.text import fold

STAFF_EMAIL = "bench@example.org"
STAFF_PASSWORD = "bench-password-123"
SENDER = "Ban Tuyên giáo, Tỉnh Đoàn Ninh Thuận <tuyengiao@ninhthuan.example>"


def app_env(database_url: str, instance: Path, **extra: object) -> dict[str, str]:
    """The environment a bench process (poller, web server, exporter) runs the app with.
    MAIL_PORT 9 (discard) unless an SMTP server is given: nothing leaves 127.0.0.1."""
    values = {
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-secret",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,
        "MAIL_DEFAULT_SENDER": SENDER,
        "MAIL_MESSAGE_ID_DOMAIN": "portal.ninhthuan.example",
        # Thousands of messages in one run: a daily sending cap would only measure itself.
        "MAIL_DAILY_LIMIT": 0,
        **extra,
    }
    env = {k: v for k, v in os.environ.items() if k not in values}
    env.update({k: str(v) for k, v in values.items()})
    env.setdefault("PYTHONHASHSEED", "0")
    return env


class Databases:
    """Hands out fresh, migrated databases: copies of one migrated SQLite file, or
    CREATE DATABASE ... TEMPLATE on the private PostgreSQL server."""

    def __init__(self, workdir: Path, postgres_url: str | None = None) -> None:
        self.workdir = workdir
        self.postgres_url = postgres_url
        self._sqlite_template: Path | None = None
        self._pg_template: str | None = None
        self._pg_databases: list[str] = []

    def fresh(self, engine: str, label: str) -> str:
        if engine == "sqlite":
            if self._sqlite_template is None:
                self._sqlite_template = self.workdir / "template.sqlite3"
                migrate(f"sqlite:///{self._sqlite_template}", self.workdir / "instance")
            path = self.workdir / f"{label}.sqlite3"
            shutil.copy(self._sqlite_template, path)
            return f"sqlite:///{path}"
        from tests.support import postgres

        assert self.postgres_url, "no PostgreSQL server"
        if self._pg_template is None:
            self._pg_template = f"bench_template_{uuid.uuid4().hex[:8]}"
            postgres.admin_sql(self.postgres_url, f'CREATE DATABASE "{self._pg_template}"')
            migrate(
                postgres.with_database(self.postgres_url, self._pg_template),
                self.workdir / "instance",
            )
        name = f"bench_{label}_{uuid.uuid4().hex[:6]}".lower()
        postgres.admin_sql(
            self.postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"'
        )
        self._pg_databases.append(name)
        return postgres.with_database(self.postgres_url, name)

    def drop_all(self) -> None:
        """Drop the PostgreSQL databases made here (the server may be someone's own)."""
        from tests.support import postgres

        for name in [*self._pg_databases, self._pg_template]:
            if name:
                postgres.admin_sql(
                    self.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                )
        self._pg_databases, self._pg_template = [], None


def make_app(database_url: str, instance: Path):
    """The app on database_url, configured as the bench processes are."""
    from portal import create_app

    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    env = app_env(database_url, instance)
    config = {k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "MAIL_DEFAULT_SENDER")}
    return create_app({**config, "MAIL_MESSAGE_ID_DOMAIN": "portal.ninhthuan.example"})


def migrate(database_url: str, instance: Path) -> None:
    import flask_migrate

    from portal.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def dispatch_dates() -> tuple[dt.date, dt.date]:
    """Issued a week ago, due in a week: returns arriving now are on time."""
    today = dt.date.today()
    return today - dt.timedelta(days=7), today + dt.timedelta(days=7)


def seed_roster(units: list[UnitSpec], number: str = DISPATCH_NUMBER, is_open: bool = True):
    """The units with their addresses, a dispatch with all of them on its roster, and a
    member of staff; inside an app context. Returns (dispatch id, {unit code: unit id})."""
    from portal.extensions import db
    from portal.models import Dispatch, Recipient, Role, Unit, UnitEmail, User
    from portal.services.users import create_user

    issued, deadline = dispatch_dates()
    dispatch = Dispatch(
        number=number,
        subject=DISPATCH_SUBJECT,
        issued_on=issued,
        deadline=deadline,
        issuer="Ban Thường vụ Tỉnh Đoàn Ninh Thuận",
        upstream_email="vanphong@tw.doan.example",
        message_id=DISPATCH_MESSAGE_ID if is_open else None,
        is_open=is_open,
    )
    db.session.add(dispatch)
    known = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    new = [u for u in units if u.code not in known]
    if new:
        db.session.execute(
            insert(Unit), [dict(code=u.code, name=u.name, name_folded=fold(u.name)) for u in new]
        )
        known = dict(db.session.execute(select(Unit.code, Unit.id)).all())
        db.session.execute(
            insert(UnitEmail),
            [dict(unit_id=known[u.code], address=u.email, position=0) for u in new],
        )
    db.session.flush()
    db.session.execute(
        insert(Recipient), [dict(dispatch_id=dispatch.id, unit_id=known[u.code]) for u in units]
    )
    db.session.commit()
    if db.session.scalar(select(User.id).where(User.email == STAFF_EMAIL)) is None:
        create_user(STAFF_EMAIL, STAFF_PASSWORD, role=Role.EDITOR, name="Cán bộ thử tải")
    return dispatch.id, known


SITE_NAMES = ["Tuổi trẻ {place}", "Đoàn Thanh niên {place}", "Chi đoàn {place}", "{unit}"]
SITE_PLATFORMS = ["facebook_page", "facebook_group", "website", "zalo", "tiktok", "youtube"]


def seed_returns(dispatch_id: int, units: list[UnitSpec], ids: dict[str, int], rows: int) -> int:
    """Each unit's current return for the dispatch, `rows` rows each (one in ten with a
    warning, one in fifty with an error), written in bulk; inside an app context. How many
    rows were stored."""
    from bench.generate import PLACES, PLATFORM_WORDS
    from portal.extensions import db
    from portal.models import Finding, Recipient, Site, Submission

    now = dt.datetime.now(dt.UTC)
    db.session.execute(
        insert(Submission),
        [
            dict(
                dispatch_id=dispatch_id,
                unit_id=ids[u.code],
                version=1,
                is_current=True,
                status="accepted" if i % 3 else "received",
                received_at=now - dt.timedelta(minutes=i % 5000),
                row_count=rows,
            )
            for i, u in enumerate(units)
        ],
    )
    reported = select(Submission.unit_id).where(Submission.dispatch_id == dispatch_id)
    db.session.execute(
        Recipient.__table__.update()
        .where(Recipient.dispatch_id == dispatch_id, Recipient.unit_id.in_(reported))
        .values(state="received", last_return_at=now)
    )
    submissions = dict(
        db.session.execute(
            select(Submission.unit_id, Submission.id).where(Submission.dispatch_id == dispatch_id)
        ).all()
    )
    first = db.session.scalar(select(Site.id).order_by(Site.id.desc()).limit(1)) or 0
    stored = 0
    for start in range(0, len(units), 2000):  # in chunks: bounded memory
        sites = []
        for i, unit in enumerate(units[start : start + 2000], start=start):
            for n in range(rows):
                place = PLACES[(i * 7 + n) % len(PLACES)]
                name = SITE_NAMES[(i + n) % len(SITE_NAMES)].format(place=place, unit=unit.name)
                _word, pattern = PLATFORM_WORDS[(i + n) % len(PLATFORM_WORDS)]
                page = f"d{dispatch_id}u{i}p{n}"
                sites.append(
                    dict(
                        submission_id=submissions[ids[unit.code]],
                        position=n,
                        sheet="Danh sách trang",
                        source_row=n + 8,
                        name=name,
                        name_folded=fold(name),
                        platform=SITE_PLATFORMS[(i + n) % len(SITE_PLATFORMS)],
                        url=pattern.format(slug=page, digits=10**14 + i * 100 + n),
                        url_normalized=f"facebook.com/{page}",
                        agency=unit.name,
                        contact=f"Thôn {n + 1}, xã {place}, tỉnh Ninh Thuận",
                        admin_name="Nguyễn Văn Hùng",
                        phone="0912345678",
                        email=f"{page}@gmail.com",
                        note="Đang hoạt động" if n == 0 else "",
                    )
                )
        db.session.execute(insert(Site), sites)
        stored += len(sites)
    site_ids = db.session.scalars(select(Site.id).where(Site.id > first).order_by(Site.id)).all()
    findings = [
        dict(site_id=sid, severity="warning", code="non_vn_domain", field="", detail="")
        for sid in site_ids[::10]
    ] + [
        dict(site_id=sid, severity="error", code="bad_email", field="", detail="")
        for sid in site_ids[3::50]
    ]
    if findings:
        db.session.execute(insert(Finding), findings)
    db.session.commit()
    return stored
