"""Certifications granted from the command line: the grantor may be no account (``granted_by_id`` NULL) when
``grantor_label`` says how the level was granted ("cli" for `flask archive create-user --certify`).

Revision ID: 0012_cli_certification
Revises: 0011_release_jobs
Create Date: 2026-11-29 03:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012_cli_certification'
down_revision = '0011_release_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grantor_label', sa.String(length=64), nullable=True))
        batch_op.alter_column('granted_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_certifications_grantor'), sa.text('granted_by_id IS NOT NULL OR grantor_label IS NOT NULL'))


def downgrade():
    # Levels granted from the command line have no account to name: they cannot survive the downgrade.
    op.execute("DELETE FROM certifications WHERE granted_by_id IS NULL")
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certifications_grantor'), type_='check')
        batch_op.alter_column('granted_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('grantor_label')
