"""Release jobs: a release asked for from the curators' page is built outside the request; the job row keeps
its progress, its heartbeat and then the release it made or why it failed.

Revision ID: 0011_release_jobs
Revises: 0010_dataset_query
Create Date: 2026-11-29 03:33:34.222376

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_release_jobs'
down_revision = '0010_dataset_query'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('release_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_items', sa.Integer(), nullable=False),
    sa.Column('total_items', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_release_jobs_status')),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_release_jobs_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_jobs_release_id_releases')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_release_jobs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_jobs'))
    )
    with op.batch_alter_table('release_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_release_jobs_dataset_requested', ['dataset_id', 'requested_at'], unique=False)



def downgrade():
    with op.batch_alter_table('release_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_release_jobs_dataset_requested')

    op.drop_table('release_jobs')
