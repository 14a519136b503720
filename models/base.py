"""Declarative base and column helpers shared by every model."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


class UTCDateTime(DateTime):
    """A timezone-aware datetime that always comes back aware (SQLite forgets the zone)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def result_processor(self, dialect, coltype):
        parent = super().result_processor(dialect, coltype)

        def process(value):
            if parent is not None:
                value = parent(value)
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            return value

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}
