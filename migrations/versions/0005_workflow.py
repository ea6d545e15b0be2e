"""The editorial workflow: statuses submitted and rejected, who created an item, and the workflow events
(submitted, reviewed, published, sent back, rejected, withdrawn) with their comments.

Revision ID: 0005_workflow
Revises: 0004_discovery_public_changes
Create Date: 2026-11-29 00:26:30.745402

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_workflow'
down_revision = '0004_discovery_public_changes'
branch_labels = None
depends_on = None

# The statuses as they were and as they become (frozen here, not imported from the app).
OLD_STATUSES = ("draft", "in_review", "published", "withdrawn")
NEW_STATUSES = ("draft", "submitted", "in_review", "published", "rejected", "withdrawn")


def _quoted(values):
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    op.create_table('workflow_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('item_version', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("to_status IN ('draft', 'submitted', 'in_review', 'published', 'rejected', 'withdrawn')", name=op.f('ck_workflow_events_to_status')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_workflow_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_workflow_events_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_events'))
    )
    with op.batch_alter_table('workflow_events', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_events_item', ['item_id', 'id'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_items_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_items_created_by_id_users'), 'users', ['created_by_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_items_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_items_status'), sa.text(f"status IN ({_quoted(NEW_STATUSES)})"))



def downgrade():
    op.execute(sa.text("UPDATE items SET status = 'draft' WHERE status = 'submitted'"))
    op.execute(sa.text("UPDATE items SET status = 'withdrawn' WHERE status = 'rejected'"))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_items_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_items_status'), sa.text(f"status IN ({_quoted(OLD_STATUSES)})"))
        batch_op.drop_constraint(batch_op.f('fk_items_created_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_items_created_by_id'))
        batch_op.drop_column('created_by_id')

    with op.batch_alter_table('workflow_events', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_events_item')

    op.drop_table('workflow_events')
