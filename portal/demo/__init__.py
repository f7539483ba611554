"""Demo data: a Ninh Thuận roster, the two seed dispatches (shared/seeds), an admin account."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from sqlalchemy import select

from portal.errors import PortalError
from portal.extensions import db
from portal.models import Dispatch, Role, Unit, User
from portal.services.dispatches import add_dispatch
from portal.services.reminders import today_in_vietnam
from portal.services.unit_import import import_units, read_unit_lines
from portal.services.users import create_user, hash_password

UNITS_FILE = Path(__file__).with_name("units_ninh_thuan.csv")

DISTRICT_LEVEL = [
    "PRTC",
    "NHAI",
    "NPHUOC",
    "NSON",
    "BACAI",
    "TBAC",
    "TNAM",
    "DKCQDN",
    "CATINH",
    "BDBP",
    "QSTINH",
    "CDNGHE",
]

# The demo shows a department in the middle of its work, so the two real dispatches of
# shared/seeds are dated from the day it is loaded (days relative to today, Vietnam time):
# 422 is open with its deadline a few days ahead, the fanpage dispatch's deadline has just
# passed. The sample mailbox (tests/support/demo_mailbox.py) dates its mail the same way.
ISSUED_422, DEADLINE_422 = -10, 4
ISSUED_FANPAGE, DEADLINE_FANPAGE = -21, -3
SHIFTED_NOTE = (
    "Dữ liệu mẫu: ngày ban hành và hạn báo cáo được dời về gần ngày chạy bản demo "
    "(bản gốc: {original})."
)
SEED_DISPATCHES = [
    dict(
        number="422-CV/TĐTN-TG",
        subject="V/v tiếp cận thông tin từ các trang mạng xã hội chính thống của "
        "Trung ương Đoàn TNCS Hồ Chí Minh",
        issued_on=ISSUED_422,
        deadline=DEADLINE_422,
        issuer="Ban Thường vụ Tỉnh Đoàn Ninh Thuận",
        upstream_email="tuyengiaotd@gmail.com",
        message_id="<cv422.demo@tinhdoan.ninhthuan.example>",
        note=SHIFTED_NOTE.format(original="ban hành 20/06/2018, hạn 27/06/2018"),
        roster=DISTRICT_LEVEL,
    ),
    dict(
        number="DK-FANPAGE-2021",
        subject="V/v thành lập trang Facebook mang tên tổ chức đoàn của các cơ sở đoàn",
        issued_on=ISSUED_FANPAGE,
        deadline=DEADLINE_FANPAGE,
        issuer="Ban Thường vụ Đoàn khối các cơ quan và doanh nghiệp tỉnh",
        upstream_email=None,
        note="Dữ liệu mẫu: bản lưu không ghi số hiệu và ngày ban hành của công văn này; "
        "số hiệu và ngày ở đây do dữ liệu mẫu đặt (hạn gốc: 10/11/2021).",
        parent="DKCQDN",
    ),
]


class NotADemoDatabase(PortalError):
    """The database holds real units: demo data would be mixed into them."""


def load_demo(admin_email: str, today: dt.date | None = None, force: bool = False) -> str:
    """Load what is missing (nothing is duplicated) and return the admin's new password.
    Refused, unless forced, on a database that holds units of its own (a live one that
    DATABASE_URL happens to point at)."""
    foreign = _units_not_in_the_demo()
    if foreign and not force:
        raise NotADemoDatabase(
            f"This database already holds {len(foreign)} units that are not the demo's "
            f"(such as {foreign[0]}): load-demo would add demo units, dispatches and an "
            "admin password to real data. Check DATABASE_URL; use --force only on a "
            "database meant for the demo."
        )
    today = today or today_in_vietnam()
    import_units(read_unit_lines(UNITS_FILE))
    for seed in SEED_DISPATCHES:
        seed = dict(seed)
        seed["issued_on"] = today + dt.timedelta(days=seed["issued_on"])
        seed["deadline"] = today + dt.timedelta(days=seed["deadline"])
        _add_seed_dispatch(seed)
    return _reset_admin(admin_email)


def _units_not_in_the_demo() -> list[str]:
    demo_codes = {line.code for line in read_unit_lines(UNITS_FILE).lines}
    return [code for code in db.session.scalars(select(Unit.code)) if code not in demo_codes]


def _add_seed_dispatch(seed: dict) -> None:
    if db.session.scalar(select(Dispatch).where(Dispatch.number == seed["number"])):
        return
    parent_code = seed.pop("parent", None)
    codes = seed.pop("roster", None)
    if parent_code:
        parent = db.session.scalar(select(Unit).where(Unit.code == parent_code))
        codes = [child.code for child in parent.children]
    add_dispatch(
        seed.pop("number"),
        seed.pop("subject"),
        seed.pop("issued_on"),
        seed.pop("deadline"),
        unit_codes=codes,
        **seed,
    )


def _reset_admin(email: str) -> str:
    """A fresh random password for the demo admin (created if missing)."""
    password = secrets.token_urlsafe(12)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        create_user(email, password, role=Role.ADMIN, name="Quản trị viên (demo)")
    else:
        user.password_hash = hash_password(password)
        user.is_active = True
        db.session.commit()
    return password
