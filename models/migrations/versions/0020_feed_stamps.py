"""feed stamps kept by triggers (a feed's ETag is read, never recomputed), stored feeds gzip-coded too

Every change a calendar feed shows gives its consortium a new random ``feed_stamp``: the
triggers below, so that no write path (ORM, Core, a bulk update, the directory sync) can forget
it. A row's consortiums are what the feed it appears in belongs to.

SQLite drops a table's triggers when the table is rebuilt (``batch_alter_table`` recreating it):
a later migration that rebuilds one of these tables must create its triggers again
(``tests/test_feed_stamps.py`` fails otherwise).

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# table -> (the consortiums a row belongs to, "{row}" standing for OLD or NEW; the columns a feed
# shows; whether inserting or deleting a row changes a feed)
SOURCES = {
    "working_sessions": ("SELECT {row}.consortium_id",
                         ("consortium_id", "uid", "title", "starts_at", "ends_at", "timezone", "location",
                          "video_url", "agenda", "minutes", "sequence", "status", "created_at", "updated_at"),
                         True),
    "rsvps": ("SELECT consortium_id FROM working_sessions WHERE id = {row}.session_id",
              ("session_id", "person_id", "answer", "updated_at"), True),
    "memberships": ("SELECT {row}.consortium_id", ("consortium_id", "person_id", "left_at"), True),
    "people": ("SELECT consortium_id FROM memberships WHERE person_id = {row}.id",
               ("username", "display_name", "erased_at"), False),
    "consortia": ("SELECT {row}.id", ("name", "timezone", "channel_name"), False),
}
RANDOM = {"sqlite": "random()", "postgresql": "(random() * 4611686018427387903)::bigint"}


def _bump(dialect: str, ids: str, row: str) -> str:
    return f"UPDATE consortia SET feed_stamp = {RANDOM[dialect]} WHERE id IN ({ids.format(row=row)})"


def _sqlite() -> list[str]:
    statements = []
    for table, (ids, columns, rows_count) in SOURCES.items():
        if rows_count:
            statements += [
                f"CREATE TRIGGER feed_stamp_{table}_insert AFTER INSERT ON {table} "
                f"BEGIN {_bump('sqlite', ids, 'NEW')}; END",
                f"CREATE TRIGGER feed_stamp_{table}_delete AFTER DELETE ON {table} "
                f"BEGIN {_bump('sqlite', ids, 'OLD')}; END",
            ]
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        statements.append(
            f"CREATE TRIGGER feed_stamp_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN {changed} BEGIN {_bump('sqlite', ids, 'OLD')}; {_bump('sqlite', ids, 'NEW')}; END")
    return statements


def _postgresql() -> list[str]:
    statements = []
    for table, (ids, columns, rows_count) in SOURCES.items():
        same = (f"({', '.join('OLD.' + c for c in columns)}) IS NOT DISTINCT FROM "
                f"({', '.join('NEW.' + c for c in columns)})")
        statements += [
            f"""CREATE FUNCTION feed_stamp_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {same} THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {_bump('postgresql', ids, 'OLD')};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_bump('postgresql', ids, 'NEW')};
    END IF;
    RETURN NULL;
END $$""",
            f"CREATE TRIGGER feed_stamp_{table} AFTER {'INSERT OR DELETE OR ' if rows_count else ''}"
            f"UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW EXECUTE PROCEDURE feed_stamp_{table}()",
        ]
    return statements


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("consortia", sa.Column("feed_stamp", sa.BigInteger(), server_default="0", nullable=False))
    op.execute(f"UPDATE consortia SET feed_stamp = {RANDOM[dialect]}")
    # The stored feeds were keyed by the old fingerprints: none would ever match again.
    op.execute("DELETE FROM calendar_feeds")
    with op.batch_alter_table("calendar_feeds", recreate="always") as batch:
        batch.add_column(sa.Column("body_gzip", sa.LargeBinary(), nullable=False))
    for statement in _sqlite() if dialect == "sqlite" else _postgresql():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, (_ids, _columns, rows_count) in SOURCES.items():
        if dialect == "sqlite":
            for event in ("insert", "delete", "update") if rows_count else ("update",):
                op.execute(f"DROP TRIGGER feed_stamp_{table}_{event}")
        else:
            op.execute(f"DROP TRIGGER feed_stamp_{table} ON {table}")
            op.execute(f"DROP FUNCTION feed_stamp_{table}()")
    with op.batch_alter_table("calendar_feeds") as batch:
        batch.drop_column("body_gzip")
    with op.batch_alter_table("consortia") as batch:
        batch.drop_column("feed_stamp")
