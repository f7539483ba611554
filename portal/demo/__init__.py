"""Demo data: a Ninh Thuận roster, the two seed dispatches (shared/seeds), an admin account."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import Dispatch, Role, Unit, User
from portal.services.dispatches import add_dispatch
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

# The two real dispatches of shared/seeds. The second one's number and date of issue are
# not in the copy we have: the demo gives it a placeholder and says so in its note.
SEED_DISPATCHES = [
    dict(
        number="422-CV/TĐTN-TG",
        subject="V/v tiếp cận thông tin từ các trang mạng xã hội chính thống của "
        "Trung ương Đoàn TNCS Hồ Chí Minh",
        issued_on=dt.date(2018, 6, 20),
        deadline=dt.date(2018, 6, 27),
        issuer="Ban Thường vụ Tỉnh Đoàn Ninh Thuận",
        upstream_email="tuyengiaotd@gmail.com",
        roster=DISTRICT_LEVEL,
    ),
    dict(
        number="DK-FANPAGE-2021",
        subject="V/v thành lập trang Facebook mang tên tổ chức đoàn của các cơ sở đoàn",
        issued_on=dt.date(2021, 10, 27),
        deadline=dt.date(2021, 11, 10),
        issuer="Ban Thường vụ Đoàn khối các cơ quan và doanh nghiệp tỉnh",
        upstream_email=None,
        note="Dữ liệu mẫu: bản lưu không ghi số hiệu và ngày ban hành của công văn này; "
        "số hiệu và ngày ở đây do dữ liệu mẫu đặt.",
        parent="DKCQDN",
    ),
]


def load_demo(admin_email: str) -> str:
    """Load what is missing (nothing is duplicated) and return the admin's new password."""
    import_units(read_unit_lines(UNITS_FILE))
    for seed in SEED_DISPATCHES:
        _add_seed_dispatch(dict(seed))
    return _reset_admin(admin_email)


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
