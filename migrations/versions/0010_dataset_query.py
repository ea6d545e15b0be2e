"""A dataset's saved search keeps its words too (the full-text query), beside its facet filters.

Revision ID: 0010_dataset_query
Revises: 0009_releases
Create Date: 2026-11-29 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010_dataset_query'
down_revision = '0009_releases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('query', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_column('query')
