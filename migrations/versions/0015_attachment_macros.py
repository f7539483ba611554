"""attachment.has_macros: a column of its own, no longer a prefix of the error text; a
row's sheet is only a spreadsheet's sheet name (no longer "Bảng N" or "CSV")

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 02:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Until 0.3.0 the reader wrote "macros: <detail>" into attachment.error for such a file.
_PREFIX = "macros: "


def upgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_macros", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        sa.text(
            "UPDATE attachment SET has_macros = :yes, error = substr(error, :start) "
            "WHERE error LIKE :prefix"
        ).bindparams(yes=True, start=len(_PREFIX) + 1, prefix=_PREFIX + "%")
    )
    # The reader named a document's tables "Bảng N" and a CSV file "CSV"; rows now keep a
    # sheet name only when the unit's spreadsheet gave it (the acknowledgement cites it).
    op.execute(
        sa.text("UPDATE site SET sheet = '' WHERE sheet LIKE :table OR sheet = 'CSV'").bindparams(
            table="Bảng %"
        )
    )


def downgrade():
    op.execute(
        sa.text(
            "UPDATE attachment SET error = :prefix || error WHERE has_macros = :yes"
        ).bindparams(prefix=_PREFIX, yes=True)
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_column("has_macros")
