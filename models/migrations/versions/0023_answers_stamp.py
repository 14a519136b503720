"""a call's answers stamp kept by triggers (the results page reads its answers only when they changed)

Every change to a call's answers that its results show (an answer added or removed, one of the
columns the matrix shows changed, an answer moved to another call) gives the call a new random
``answers_stamp``: the triggers below, so that no write path (ORM, Core, a bulk update, a script)
can forget it. The call's own themes, group size and formed consortiums are read with the call.
On PostgreSQL the trigger is a constraint trigger ``DEFERRABLE INITIALLY DEFERRED``, as the board
stamps' (0022): it runs at commit, so a transaction locks the call's row after every other lock.

SQLite drops a table's triggers when the table is rebuilt (``batch_alter_table`` recreating it):
a later migration that rebuilds ``call_responses`` must create its triggers again
(``tests/test_answers_stamp.py`` fails otherwise).

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# The columns of an answer the results show (``SHOWN`` in ``plugin/features/ami/matrix.py``), and its call.
COLUMNS = ("call_id", "structure_name", "structure_key", "siae_type", "departement", "contact_name", "themes")
RANDOM = {"sqlite": "random()", "postgresql": "(random() * 4611686018427387903)::bigint"}


def _bump(dialect: str, row: str) -> str:
    return f"UPDATE calls_for_interest SET answers_stamp = {RANDOM[dialect]} WHERE id = {row}.call_id"


def _sqlite() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)
    return [
        f"CREATE TRIGGER answers_stamp_insert AFTER INSERT ON call_responses BEGIN {_bump('sqlite', 'NEW')}; END",
        f"CREATE TRIGGER answers_stamp_delete AFTER DELETE ON call_responses BEGIN {_bump('sqlite', 'OLD')}; END",
        f"CREATE TRIGGER answers_stamp_update AFTER UPDATE OF {', '.join(COLUMNS)} ON call_responses "
        f"WHEN {changed} BEGIN {_bump('sqlite', 'OLD')}; {_bump('sqlite', 'NEW')}; END",
    ]


def _postgresql() -> list[str]:
    # ``json`` has no equality operator: the themes are compared as their text (as written).
    def values(row: str) -> str:
        return ", ".join(f"{row}.{c}::text" if c == "themes" else f"{row}.{c}" for c in COLUMNS)
    return [
        f"""CREATE FUNCTION answers_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ({values('OLD')}) IS NOT DISTINCT FROM ({values('NEW')}) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {_bump('postgresql', 'OLD')};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_bump('postgresql', 'NEW')};
    END IF;
    RETURN NULL;
END $$""",
        # Deferred to commit, as the board stamps' triggers (0022): the call's row is locked last.
        f"CREATE CONSTRAINT TRIGGER answers_stamp AFTER INSERT OR DELETE OR UPDATE OF {', '.join(COLUMNS)} "
        "ON call_responses DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE PROCEDURE answers_stamp()",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("calls_for_interest",
                  sa.Column("answers_stamp", sa.BigInteger(), server_default="0", nullable=False))
    op.execute(f"UPDATE calls_for_interest SET answers_stamp = {RANDOM[dialect]}")
    for statement in _sqlite() if dialect == "sqlite" else _postgresql():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER answers_stamp_{event}")
    else:
        op.execute("DROP TRIGGER answers_stamp ON call_responses")
        op.execute("DROP FUNCTION answers_stamp()")
    # Not a batch rebuild: on SQLite it would drop the other triggers of calls_for_interest (0022's).
    op.drop_column("calls_for_interest", "answers_stamp")
