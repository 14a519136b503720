"""board stamps kept by triggers: the admin dashboard is kept per network and stamp, never recomputed unchanged

Every change the dashboard shows gives its network a new random ``networks.board_stamp``: the
consortiums (created, renamed, moved to another stage or theme, archived, their last activity), the
figures of their rows (members, checklist progress, commitments, the next confirmed session, open
dialogues, failed set-up steps), the chart's stage changes, the calls for expressions of interest and
the ideas with their supports. Triggers, so that no write path (ORM, Core, a bulk update, a script)
can forget it; an update that changes none of the columns shown leaves it.

The stamp is on the network row: the runner reads that row at the start of every admin page, before
any data, so the stamp costs no statement and is never newer than the data read after it. A separate
table would cost a statement per page and a row to create with each network.

Lock order (PostgreSQL): every write in a network now also updates the one network row. A trigger
run at once would lock that row in the middle of the transaction, and two transactions holding it
and a consortium row each (the feed stamps' triggers lock those) could deadlock. So the PostgreSQL
triggers are constraint triggers ``DEFERRABLE INITIALLY DEFERRED``: they run at commit, after every
other lock of the transaction, and hold the network row only while the commit ends. A transaction
updates it once (a transaction-local setting remembers it), however many rows it writes. The update
changes no key column: it does not wait for the ``FOR KEY SHARE`` locks that foreign keys take on the
row. SQLite has one writer at a time: plain triggers.

SQLite drops a table's triggers when the table is rebuilt (``batch_alter_table`` recreating it):
a later migration that rebuilds one of these tables must create its triggers again
(``tests/test_board_stamps.py`` fails otherwise).

Revision ID: 0022
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

_OF_CONSORTIUM = "(SELECT network_id FROM consortia WHERE id = {row}.consortium_id)"
# table -> (the network of a row, "{row}" standing for OLD or NEW; the columns the dashboard reads
# of it). Inserting or deleting a row of any of them changes what it shows.
SOURCES = {
    "consortia": ("{row}.network_id",
                  ("network_id", "slug", "name", "theme", "stage", "last_activity_at", "archived_at")),
    "memberships": (_OF_CONSORTIUM, ("consortium_id", "left_at")),
    "checklist_items": (_OF_CONSORTIUM, ("consortium_id", "done", "deleted_at")),
    "commitments": (_OF_CONSORTIUM, ("consortium_id", "amount", "unit", "status", "deleted_at")),
    "working_sessions": (_OF_CONSORTIUM, ("consortium_id", "starts_at", "status")),
    "foundation_dialogues": (_OF_CONSORTIUM, ("consortium_id", "closed_at")),
    "provisioning_steps": (_OF_CONSORTIUM, ("consortium_id", "status")),
    "stage_changes": (_OF_CONSORTIUM, ("consortium_id", "from_stage", "to_stage", "at")),
    "calls_for_interest": ("{row}.network_id", ("network_id", "title", "status")),
    "ideas": ("{row}.network_id", ("network_id", "number", "title", "status")),
    "idea_supports": ("(SELECT network_id FROM ideas WHERE id = {row}.idea_id)", ("idea_id",)),
}
RANDOM = {"sqlite": "random()", "postgresql": "(random() * 4611686018427387903)::bigint"}


def _sqlite_bump(network: str, row: str) -> str:
    return f"UPDATE networks SET board_stamp = {RANDOM['sqlite']} WHERE id = {network.format(row=row)}"


def _sqlite() -> list[str]:
    statements = []
    for table, (network, columns) in SOURCES.items():
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        statements += [
            f"CREATE TRIGGER board_stamp_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_bump(network, 'NEW')}; END",
            f"CREATE TRIGGER board_stamp_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_bump(network, 'OLD')}; END",
            f"CREATE TRIGGER board_stamp_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN {changed} BEGIN {_sqlite_bump(network, 'OLD')}; {_sqlite_bump(network, 'NEW')}; END",
        ]
    return statements


# Once per transaction and network: the setting is the transaction's (``set_config(..., true)``).
_POSTGRESQL_BUMP = f"""CREATE FUNCTION board_stamp_bump(network integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF network IS NULL OR current_setting('consortia.board_stamped_' || network, true) = '1' THEN
        RETURN;
    END IF;
    PERFORM set_config('consortia.board_stamped_' || network, '1', true);
    UPDATE networks SET board_stamp = {RANDOM['postgresql']} WHERE id = network;
END $$"""


def _postgresql() -> list[str]:
    statements = [_POSTGRESQL_BUMP]
    for table, (network, columns) in SOURCES.items():
        same = (f"({', '.join('OLD.' + c for c in columns)}) IS NOT DISTINCT FROM "
                f"({', '.join('NEW.' + c for c in columns)})")
        statements += [
            f"""CREATE FUNCTION board_stamp_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {same} THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM board_stamp_bump({network.format(row='OLD')});
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM board_stamp_bump({network.format(row='NEW')});
    END IF;
    RETURN NULL;
END $$""",
            f"CREATE CONSTRAINT TRIGGER board_stamp_{table} AFTER INSERT OR DELETE OR "
            f"UPDATE OF {', '.join(columns)} ON {table} DEFERRABLE INITIALLY DEFERRED "
            f"FOR EACH ROW EXECUTE PROCEDURE board_stamp_{table}()",
        ]
    return statements


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("networks", sa.Column("board_stamp", sa.BigInteger(), server_default="0", nullable=False))
    op.execute(f"UPDATE networks SET board_stamp = {RANDOM[dialect]}")
    for statement in _sqlite() if dialect == "sqlite" else _postgresql():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in SOURCES:
        if dialect == "sqlite":
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER board_stamp_{table}_{event}")
        else:
            op.execute(f"DROP TRIGGER board_stamp_{table} ON {table}")
            op.execute(f"DROP FUNCTION board_stamp_{table}()")
    if dialect != "sqlite":
        op.execute("DROP FUNCTION board_stamp_bump(integer)")
    with op.batch_alter_table("networks") as batch:
        batch.drop_column("board_stamp")
