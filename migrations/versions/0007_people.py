"""People: certifications of workers (level, date, grantor, note, the approved work seen, revocation) and the
audit of account management (roles and active state: who changed what, when).

Revision ID: 0007_people
Revises: 0006_layers
Create Date: 2026-11-29 01:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0007_people'
down_revision = '0006_layers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=24), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_note', sa.Text(), nullable=True),
    sa.CheckConstraint("level IN ('trainee', 'certified_annotator', 'reviewer', 'trainer')", name=op.f('ck_certifications_level')),
    sa.CheckConstraint('(revoked_on IS NULL) = (revoked_by_id IS NULL)', name=op.f('ck_certifications_revoked_pair')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_certifications_granted_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certifications_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index('ix_certifications_user', ['user_id', 'id'], unique=False)

    op.create_table('account_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("field IN ('roles', 'active')", name=op.f('ck_account_changes_field')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_account_changes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_changes'))
    )
    with op.batch_alter_table('account_changes', schema=None) as batch_op:
        batch_op.create_index('ix_account_changes_user', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_account_changes_user')
    op.drop_table('account_changes')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index('ix_certifications_user')
    op.drop_table('certifications')
