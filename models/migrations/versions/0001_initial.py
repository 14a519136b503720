"""initial schema: the whole domain

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 23:12:02.180922
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('checklist_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_templates')),
    sa.UniqueConstraint('name', name=op.f('uq_checklist_templates_name'))
    )
    op.create_table('networks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_name', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=26), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_networks')),
    sa.UniqueConstraint('team_name', name=op.f('uq_networks_team_name'))
    )
    op.create_table('registered_commands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('command_id', sa.String(length=26), nullable=False),
    sa.Column('team_id', sa.String(length=26), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registered_commands')),
    sa.UniqueConstraint('trigger', name=op.f('uq_registered_commands_trigger'))
    )
    op.create_table('used_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('used_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_nonces'))
    )
    with op.batch_alter_table('used_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_nonces_expires_at'), ['expires_at'], unique=False)

    op.create_table('checklist_template_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=120), nullable=False),
    sa.Column('section_en', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('text_en', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_checklist_template_items_template_id_checklist_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_template_items')),
    sa.UniqueConstraint('template_id', 'key', name=op.f('uq_checklist_template_items_template_id_key'))
    )
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=64), nullable=False),
    sa.Column('search_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('siae_type', sa.String(length=8), nullable=True),
    sa.Column('departement', sa.String(length=3), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_organisations_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('network_id', 'short_name', name=op.f('uq_organisations_network_id_short_name'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index('ix_organisations_network_kind', ['network_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_search_key'), ['search_key'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('mattermost_user_id', sa.String(length=26), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('is_guest', sa.Boolean(), nullable=False),
    sa.Column('is_system_admin', sa.Boolean(), nullable=False),
    sa.Column('personal_feed_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('erased_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_people_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_people_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('mattermost_user_id', name=op.f('uq_people_mattermost_user_id')),
    sa.UniqueConstraint('network_id', 'username', name=op.f('uq_people_network_id_username')),
    sa.UniqueConstraint('personal_feed_token', name=op.f('uq_people_personal_feed_token'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('calls_for_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('deadline', models.base.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('form_token', sa.String(length=64), nullable=False),
    sa.Column('min_group_size', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_calls_for_interest_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['people.id'], name=op.f('fk_calls_for_interest_opened_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls_for_interest')),
    sa.UniqueConstraint('form_token', name=op.f('uq_calls_for_interest_form_token'))
    )
    with op.batch_alter_table('calls_for_interest', schema=None) as batch_op:
        batch_op.create_index('ix_calls_network_status', ['network_id', 'status'], unique=False)

    op.create_table('consortia',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=26), nullable=True),
    sa.Column('channel_name', sa.String(length=64), nullable=True),
    sa.Column('dialogue_channel_id', sa.String(length=26), nullable=True),
    sa.Column('caldav_calendar_url', sa.String(length=500), nullable=True),
    sa.Column('feed_token', sa.String(length=64), nullable=False),
    sa.Column('profile_token', sa.String(length=64), nullable=True),
    sa.Column('welcome_post_id', sa.String(length=26), nullable=True),
    sa.Column('reminders_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('last_activity_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('archived_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_consortia_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_consortia_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consortia')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_consortia_channel_id')),
    sa.UniqueConstraint('dialogue_channel_id', name=op.f('uq_consortia_dialogue_channel_id')),
    sa.UniqueConstraint('profile_token', name=op.f('uq_consortia_profile_token')),
    sa.UniqueConstraint('slug', name=op.f('uq_consortia_slug'))
    )
    with op.batch_alter_table('consortia', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consortia_name_key'), ['name_key'], unique=False)
        batch_op.create_index('ix_consortia_network_archived', ['network_id', 'archived_at'], unique=False)
        batch_op.create_index('ix_consortia_stage', ['stage'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_audit_events_actor_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_audit_events_consortium_id_consortia'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_consortium_at', ['consortium_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_target', ['target_type', 'target_id'], unique=False)

    op.create_table('call_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('structure_name', sa.String(length=200), nullable=False),
    sa.Column('structure_key', sa.String(length=200), nullable=False),
    sa.Column('siae_type', sa.String(length=8), nullable=True),
    sa.Column('departement', sa.String(length=3), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('can_bring', sa.Text(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls_for_interest.id'], name=op.f('fk_call_responses_call_id_calls_for_interest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_call_responses_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_responses')),
    sa.UniqueConstraint('call_id', 'structure_key', 'email_key', name=op.f('uq_call_responses_call_id_structure_key_email_key'))
    )
    with op.batch_alter_table('call_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_responses_call_id'), ['call_id'], unique=False)

    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=120), nullable=False),
    sa.Column('section_en', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('text_en', sa.String(length=1000), nullable=False),
    sa.Column('template_key', sa.String(length=64), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['people.id'], name=op.f('fk_checklist_items_assignee_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_checklist_items_consortium_id_consortia'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_checklist_items_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['done_by_id'], ['people.id'], name=op.f('fk_checklist_items_done_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items')),
    sa.UniqueConstraint('consortium_id', 'number', name=op.f('uq_checklist_items_consortium_id_number'))
    )
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.create_index('ix_checklist_items_assignee_due', ['assignee_id', 'due_date'], unique=False)
        batch_op.create_index('ix_checklist_items_live', ['consortium_id', 'deleted_at', 'position'], unique=False)
        batch_op.create_index('ix_checklist_items_template_key', ['consortium_id', 'template_key'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_commitments_consortium_id_consortia'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_commitments_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_commitments_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_commitments_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
    sa.UniqueConstraint('consortium_id', 'number', name=op.f('uq_commitments_consortium_id_number'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index('ix_commitments_due', ['due_date', 'status'], unique=False)
        batch_op.create_index('ix_commitments_live', ['consortium_id', 'deleted_at'], unique=False)

    op.create_table('counters',
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_counters_consortium_id_consortia'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consortium_id', 'kind', name=op.f('pk_counters'))
    )
    op.create_table('custom_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_custom_roles_consortium_id_consortia'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_roles')),
    sa.UniqueConstraint('consortium_id', 'key', name=op.f('uq_custom_roles_consortium_id_key'))
    )
    op.create_table('foundation_dialogues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('foundation_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('subject_key', sa.String(length=300), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('next_step_date', sa.Date(), nullable=True),
    sa.Column('next_step_action', sa.String(length=500), nullable=False),
    sa.Column('root_post_id', sa.String(length=26), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('last_activity_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('reminder_sent_for', sa.Date(), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_foundation_dialogues_consortium_id_consortia'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['foundation_id'], ['organisations.id'], name=op.f('fk_foundation_dialogues_foundation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['people.id'], name=op.f('fk_foundation_dialogues_opened_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_foundation_dialogues')),
    sa.UniqueConstraint('consortium_id', 'number', name=op.f('uq_foundation_dialogues_consortium_id_number')),
    sa.UniqueConstraint('root_post_id', name=op.f('uq_foundation_dialogues_root_post_id'))
    )
    with op.batch_alter_table('foundation_dialogues', schema=None) as batch_op:
        batch_op.create_index('ix_foundation_dialogues_foundation', ['foundation_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_foundation_dialogues_next', ['next_step_date'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('left_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['people.id'], name=op.f('fk_memberships_added_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_memberships_consortium_id_consortia'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memberships_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('consortium_id', 'person_id', name=op.f('uq_memberships_consortium_id_person_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('ix_memberships_person', ['person_id', 'left_at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('consortium_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('locked_until', models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_outbox_consortium_id_consortia'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_consortium_id'), ['consortium_id'], unique=False)
        batch_op.create_index('ix_outbox_due', ['status', 'available_at'], unique=False)

    op.create_table('provisioning_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_provisioning_steps_consortium_id_consortia'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provisioning_steps')),
    sa.UniqueConstraint('consortium_id', 'step', name=op.f('uq_provisioning_steps_consortium_id_step'))
    )
    op.create_table('role_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('role_key', sa.String(length=48), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['people.id'], name=op.f('fk_role_assignments_assigned_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_role_assignments_consortium_id_consortia'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['people.id'], name=op.f('fk_role_assignments_ended_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_role_assignments_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_role_assignments_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignments'))
    )
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_role_assignments_current', ['consortium_id', 'ended_at', 'role_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignments_person_id'), ['person_id'], unique=False)

    op.create_table('stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.String(length=16), nullable=True),
    sa.Column('to_stage', sa.String(length=16), nullable=False),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_person_id'], ['people.id'], name=op.f('fk_stage_changes_by_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_stage_changes_consortium_id_consortia'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_changes'))
    )
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_changes_consortium_id'), ['consortium_id'], unique=False)

    op.create_table('working_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consortium_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('ends_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('caldav_etag', sa.String(length=200), nullable=True),
    sa.Column('card_post_id', sa.String(length=26), nullable=True),
    sa.Column('reminder_sent_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consortium_id'], ['consortia.id'], name=op.f('fk_working_sessions_consortium_id_consortia'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_working_sessions_created_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_sessions')),
    sa.UniqueConstraint('consortium_id', 'number', name=op.f('uq_working_sessions_consortium_id_number')),
    sa.UniqueConstraint('uid', name=op.f('uq_working_sessions_uid'))
    )
    with op.batch_alter_table('working_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_sessions_card_post_id'), ['card_post_id'], unique=False)
        batch_op.create_index('ix_working_sessions_starts', ['starts_at'], unique=False)
        batch_op.create_index('ix_working_sessions_upcoming', ['consortium_id', 'status', 'starts_at'], unique=False)

    op.create_table('checklist_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_checklist_notes_author_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_checklist_notes_item_id_checklist_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_notes'))
    )
    with op.batch_alter_table('checklist_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_notes_item_id'), ['item_id'], unique=False)

    op.create_table('dialogue_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialogue_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_stage', sa.String(length=24), nullable=True),
    sa.Column('to_stage', sa.String(length=24), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_person_id'], ['people.id'], name=op.f('fk_dialogue_events_by_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dialogue_id'], ['foundation_dialogues.id'], name=op.f('fk_dialogue_events_dialogue_id_foundation_dialogues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialogue_events'))
    )
    with op.batch_alter_table('dialogue_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialogue_events_dialogue_id'), ['dialogue_id'], unique=False)

    op.create_table('rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_rsvps_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['working_sessions.id'], name=op.f('fk_rsvps_session_id_working_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rsvps')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_rsvps_session_id_person_id'))
    )
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rsvps_person_id'), ['person_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rsvps_person_id'))

    op.drop_table('rsvps')
    with op.batch_alter_table('dialogue_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialogue_events_dialogue_id'))

    op.drop_table('dialogue_events')
    with op.batch_alter_table('checklist_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_notes_item_id'))

    op.drop_table('checklist_notes')
    with op.batch_alter_table('working_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_working_sessions_upcoming')
        batch_op.drop_index('ix_working_sessions_starts')
        batch_op.drop_index(batch_op.f('ix_working_sessions_card_post_id'))

    op.drop_table('working_sessions')
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_changes_consortium_id'))

    op.drop_table('stage_changes')
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_assignments_person_id'))
        batch_op.drop_index('ix_role_assignments_current')

    op.drop_table('role_assignments')
    op.drop_table('provisioning_steps')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_index(batch_op.f('ix_outbox_consortium_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_memberships_person')

    op.drop_table('memberships')
    with op.batch_alter_table('foundation_dialogues', schema=None) as batch_op:
        batch_op.drop_index('ix_foundation_dialogues_next')
        batch_op.drop_index('ix_foundation_dialogues_foundation')

    op.drop_table('foundation_dialogues')
    op.drop_table('custom_roles')
    op.drop_table('counters')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index('ix_commitments_live')
        batch_op.drop_index('ix_commitments_due')

    op.drop_table('commitments')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_index('ix_checklist_items_template_key')
        batch_op.drop_index('ix_checklist_items_live')
        batch_op.drop_index('ix_checklist_items_assignee_due')

    op.drop_table('checklist_items')
    with op.batch_alter_table('call_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_responses_call_id'))

    op.drop_table('call_responses')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_target')
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index('ix_audit_consortium_at')

    op.drop_table('audit_events')
    with op.batch_alter_table('consortia', schema=None) as batch_op:
        batch_op.drop_index('ix_consortia_stage')
        batch_op.drop_index('ix_consortia_network_archived')
        batch_op.drop_index(batch_op.f('ix_consortia_name_key'))

    op.drop_table('consortia')
    with op.batch_alter_table('calls_for_interest', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_network_status')

    op.drop_table('calls_for_interest')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_people_email'))

    op.drop_table('people')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_search_key'))
        batch_op.drop_index('ix_organisations_network_kind')

    op.drop_table('organisations')
    op.drop_table('checklist_template_items')
    with op.batch_alter_table('used_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_nonces_expires_at'))

    op.drop_table('used_nonces')
    op.drop_table('registered_commands')
    op.drop_table('networks')
    op.drop_table('checklist_templates')
    
