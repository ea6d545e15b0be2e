"""The public changes that IIIF Change Discovery publishes: Create, Update, Delete of items' public records.

Existing archives start the stream with a Create for every item visitors may see now, dated when the
item last changed.

Revision ID: 0004_discovery_public_changes
Revises: 0003_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_discovery_public_changes"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=8), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("activity IN ('Create', 'Update', 'Delete')", name=op.f("ck_public_changes_activity")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_public_changes_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_changes")),
    )
    with op.batch_alter_table("public_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_changes_item_id"), ["item_id"], unique=False)
    # Who may see an item, as archive/services/access.py said when this migration was written: published,
    # public, and not marked TK Secret/Sacred.
    op.execute(
        "INSERT INTO public_changes (item_id, activity, happened_at) "
        "SELECT id, 'Create', updated_at FROM items "
        "WHERE status = 'published' AND access = 'public' AND CAST(labels AS TEXT) NOT LIKE '%\"TK-SS\"%' "
        "ORDER BY updated_at, id"
    )


def downgrade():
    with op.batch_alter_table("public_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_changes_item_id"))
    op.drop_table("public_changes")
