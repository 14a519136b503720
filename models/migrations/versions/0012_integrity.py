"""integrity: one consortium per look-alike name, one answer per structure, per-member feed links,
web sessions that end at sign-out

Revision ID: 0012
Revises: 0009
"""
import secrets

import sqlalchemy as sa
from alembic import op

import models.base  # noqa: F401

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _rekey(connection, table: str, key_column: str, group_column: str, source_column: str, width: int) -> None:
    """Recompute the look-alike keys; a key already taken in its group gets the row's id appended."""
    from plugin.kernel.names import skeleton

    rows = connection.execute(sa.text(
        f"SELECT id, {group_column}, {source_column} FROM {table} ORDER BY id")).all()
    seen: set[tuple] = set()
    for row_id, group, source in rows:
        key = skeleton(source, limit=width) or f"#{row_id}"
        if (group, key) in seen:
            key = f"{key[: width - 12]} #{row_id}"
        seen.add((group, key))
        connection.execute(sa.text(f"UPDATE {table} SET {key_column} = :key WHERE id = :id"),
                           {"key": key, "id": row_id})


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("consortia", schema=None) as batch_op:
        batch_op.drop_index("ix_consortia_name_key")
        batch_op.alter_column("name_key", existing_type=sa.String(length=120), type_=sa.String(length=200),
                              existing_nullable=False)
    _rekey(connection, "consortia", "name_key", "network_id", "name", 200)
    with op.batch_alter_table("consortia", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_consortia_network_id_name_key"), ["network_id", "name_key"])

    _rekey(connection, "call_responses", "structure_key", "call_id", "structure_name", 200)
    with op.batch_alter_table("call_responses", schema=None) as batch_op:
        batch_op.drop_constraint("uq_call_responses_call_id_structure_key_email_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_call_responses_call_id_structure_key"),
                                          ["call_id", "structure_key"])

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_token", sa.String(length=64), nullable=True))
    for (membership_id,) in connection.execute(sa.text("SELECT id FROM memberships")).all():
        connection.execute(sa.text("UPDATE memberships SET feed_token = :token WHERE id = :id"),
                           {"token": secrets.token_urlsafe(24), "id": membership_id})
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.alter_column("feed_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_memberships_feed_token"), ["feed_token"])
    # The shared link members saw in channel headers and posts until now: renewed, so that
    # people who already left cannot keep reading with it.
    for (consortium_id,) in connection.execute(sa.text("SELECT id FROM consortia")).all():
        connection.execute(sa.text("UPDATE consortia SET feed_token = :token WHERE id = :id"),
                           {"token": secrets.token_urlsafe(24), "id": consortium_id})

    # Channel headers and welcome posts showed that link: the worker re-renders them without it.
    outbox = sa.table("outbox", sa.column("kind", sa.String), sa.column("payload", sa.JSON),
                      sa.column("consortium_id", sa.Integer), sa.column("status", sa.String),
                      sa.column("attempts", sa.Integer), sa.column("available_at", models.base.UTCDateTime()),
                      sa.column("last_error", sa.Text), sa.column("created_at", models.base.UTCDateTime()))
    now = models.base.utcnow()
    rows = connection.execute(sa.text(
        "SELECT id FROM consortia WHERE channel_id IS NOT NULL AND archived_at IS NULL")).all()
    if rows:
        op.bulk_insert(outbox, [{"kind": "provision.refresh_texts", "payload": {"consortium_id": cid},
                                 "consortium_id": cid, "status": "pending", "attempts": 0, "available_at": now,
                                 "last_error": "", "created_at": now} for (cid,) in rows])

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("web_session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("web_session_version")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint("uq_memberships_feed_token", type_="unique")
        batch_op.drop_column("feed_token")
    with op.batch_alter_table("call_responses", schema=None) as batch_op:
        batch_op.drop_constraint("uq_call_responses_call_id_structure_key", type_="unique")
        batch_op.create_unique_constraint("uq_call_responses_call_id_structure_key_email_key",
                                          ["call_id", "structure_key", "email_key"])
    with op.batch_alter_table("consortia", schema=None) as batch_op:
        batch_op.drop_constraint("uq_consortia_network_id_name_key", type_="unique")
        batch_op.alter_column("name_key", existing_type=sa.String(length=200), type_=sa.String(length=120),
                              existing_nullable=False)
        batch_op.create_index("ix_consortia_name_key", ["name_key"], unique=False)
