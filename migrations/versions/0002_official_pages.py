"""initial data: the official pages listed with dispatch 422 (docs/form.md, "Official pages and the .vn rule")

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# name, url, owner, name folded for search, url normalised: written out here so the
# migration never depends on the app's code as it changes later.
PAGES = [
    ("Ban Tuyên giáo TW Đoàn TNCS Hồ Chí Minh", "https://www.facebook.com/bantuyengiaotwd/",
     "Trung ương Đoàn", "ban tuyen giao tw doan tncs ho chi minh", "facebook.com/bantuyengiaotwd"),
    ("Búp sen xanh", "https://www.facebook.com/bupsenxanh304/",
     "Trung ương Đoàn", "bup sen xanh", "facebook.com/bupsenxanh304"),
    ("Sống đẹp mỗi ngày", "https://www.facebook.com/songdepsongcoich/",
     "Trung ương Đoàn", "song dep moi ngay", "facebook.com/songdepsongcoich"),
    ("Theo dấu chân Bác", "https://www.facebook.com/theodauchanbac/",
     "Trung ương Đoàn", "theo dau chan bac", "facebook.com/theodauchanbac"),
    ("Đoàn Thanh niên cộng sản Hồ Chí Minh (nhóm)", "https://www.facebook.com/groups/dtncshcm/",
     "Trung ương Đoàn", "doan thanh nien cong san ho chi minh (nhom)",
     "facebook.com/groups/dtncshcm"),
    ("Ninh Thuận ngày mới", "https://www.facebook.com/ninhthuanngaymoi/",
     "Công an tỉnh", "ninh thuan ngay moi", "facebook.com/ninhthuanngaymoi"),
    ("Trang thông tin điện tử Tỉnh Đoàn Ninh Thuận", "http://www.doanthanhnienninhthuan.org.vn",
     "Tỉnh Đoàn", "trang thong tin dien tu tinh doan ninh thuan",
     "doanthanhnienninhthuan.org.vn"),
]

official_page = sa.table(
    "official_page",
    sa.column("name", sa.String),
    sa.column("url", sa.String),
    sa.column("owner", sa.String),
    sa.column("name_folded", sa.String),
    sa.column("url_normalized", sa.String),
    sa.column("note", sa.Text),
)


def upgrade():
    op.bulk_insert(official_page, [
        dict(name=name, url=url, owner=owner, name_folded=folded, url_normalized=key,
             note="Đính kèm Công văn số 422-CV/TĐTN-TG")
        for name, url, owner, folded, key in PAGES
    ])


def downgrade():
    op.execute(official_page.delete().where(official_page.c.url.in_([p[1] for p in PAGES])))
