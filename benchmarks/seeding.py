"""Seeding in bulk: thousands of consortiums with members, checklists and provisioning steps."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from benchmarks import TEAM_NAME


def fake_id(prefix: str, number: int) -> str:
    """A 26-character id shaped like Mattermost's (lowercase letters and digits), unique per prefix."""
    width = 26 - len(prefix)
    if width < 6 or not re.fullmatch(r"[a-z]+", prefix):
        raise ValueError("prefix: a few lowercase letters")
    return f"{prefix}{number:0{width}d}"


@dataclass(frozen=True)
class SeededMember:
    username: str
    user_id: str  # Mattermost user id, already stored on the Person


@dataclass(frozen=True)
class SeededConsortium:
    id: int
    slug: str
    name: str
    channel_id: str
    channel_name: str
    members: tuple[SeededMember, ...]


@dataclass(frozen=True)
class Seeded:
    network_id: int
    team_id: str
    team_domain: str
    count: int  # consortiums added by this call
    total: int  # consortiums in the database afterwards
    seconds: float
    consortia: tuple[SeededConsortium, ...]  # a sample, spread over the seeded range (first and last included)


def seed_consortia(url: str, n: int, *, members: int = 3, checklist: bool = True, steps: bool = True,
                   sample: int = 5, team: str = TEAM_NAME, batch: int = 1000) -> Seeded:
    """Add ``n`` consortiums in bulk (SQLAlchemy Core inserts), each with its own members.

    Per consortium: ``members`` new people (with a fake Mattermost user id, so the
    service resolves them without calling Mattermost) and their memberships, a fake
    channel id, the 26 items of the built-in checklist template (a varying share
    ticked) and its counter, and the provisioning steps marked done. Can be called
    again to grow the same database. Returns a sample of the seeded consortiums with
    their channel ids and members, enough to send commands as a member in a
    consortium's channel. PostgreSQL is ANALYZEd afterwards (its autovacuum would do
    so in production); SQLite is left as production leaves it.
    """
    from sqlalchemy import func, insert, select, text, update
    from sqlalchemy.orm import Session

    import models
    from models import (
        PROVISIONING_STEPS, STAGES, ChecklistItem, ChecklistTemplate, Consortium, Counter, Membership, Network,
        Person, ProvisioningStep, TemplateItem, new_token,
    )
    from models.db import make_engine
    from plugin.features.checklist import templates

    assert models  # every table registered
    if n < 0 or members < 1:
        raise ValueError("n >= 0 and members >= 1")
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            templates.ensure_builtin_templates(session)
        with engine.begin() as conn:
            team_id = fake_id("benchteam", 1)
            network = conn.execute(select(Network.id, Network.team_id).where(Network.team_name == team)).first()
            if network is None:
                network_id = conn.execute(insert(Network).values(team_name=team, team_id=team_id, name=team)
                                          .returning(Network.id)).scalar_one()
            else:
                network_id = network.id
                if network.team_id:
                    team_id = network.team_id
                else:
                    conn.execute(update(Network).where(Network.id == network_id).values(team_id=team_id))
            items = conn.execute(
                select(TemplateItem.key, TemplateItem.position, TemplateItem.section, TemplateItem.section_en,
                       TemplateItem.text, TemplateItem.text_en)
                .join(ChecklistTemplate, ChecklistTemplate.id == TemplateItem.template_id)
                .where(ChecklistTemplate.name == templates.DEFAULT_TEMPLATE).order_by(TemplateItem.position)
            ).all()
            first_consortium = (conn.scalar(select(func.max(Consortium.id))) or 0) + 1
            first_person = (conn.scalar(select(func.max(Person.id))) or 0) + 1
            now = datetime.now(timezone.utc)
            wanted = _sample_indexes(n, sample)
            picked: list[SeededConsortium] = []
            for start in range(0, n, batch):
                stop = min(n, start + batch)
                consortia, people, memberships, checklist_rows, counters, step_rows = [], [], [], [], [], []
                for index in range(start, stop):
                    cid = first_consortium + index
                    slug = f"bench-{cid}"
                    name = f"Bench consortium {cid}"
                    channel_id = fake_id("benchchan", cid)
                    consortia.append(dict(
                        id=cid, network_id=network_id, name=name, name_key=name.lower(), slug=slug,
                        theme="Benchmark", purpose="", stage=STAGES[cid % 4], is_public=False,
                        timezone="Europe/Paris", channel_id=channel_id, channel_name=slug,
                        feed_token=new_token(), reminders_enabled=True, created_at=now, updated_at=now,
                        last_activity_at=now - timedelta(seconds=index)))
                    seeded_members = []
                    for m in range(members):
                        pid = first_person + index * members + m
                        username = f"member{pid}"
                        user_id = fake_id("benchuser", pid)
                        people.append(dict(
                            id=pid, network_id=network_id, mattermost_user_id=user_id, username=username,
                            email=f"{username}@bench.invalid", display_name=f"Member {pid}",
                            is_guest=False, is_system_admin=False, personal_feed_token=new_token(),
                            created_at=now))
                        memberships.append(dict(consortium_id=cid, person_id=pid, joined_at=now))
                        seeded_members.append(SeededMember(username, user_id))
                    if checklist:
                        ticked = cid % (len(items) + 1)
                        for item in items:
                            done = item.position <= ticked
                            checklist_rows.append(dict(
                                consortium_id=cid, number=item.position, position=item.position,
                                section=item.section, section_en=item.section_en, text=item.text,
                                text_en=item.text_en, template_key=f"{templates.DEFAULT_TEMPLATE}:{item.key}",
                                done=done, done_at=now if done else None, created_at=now, updated_at=now,
                                version=1))
                        counters.append(dict(consortium_id=cid, kind="checklist", last_value=len(items)))
                    if steps:
                        step_rows.extend(dict(consortium_id=cid, step=step, status="done", attempts=1, detail="",
                                              updated_at=now) for step in PROVISIONING_STEPS)
                    if index in wanted:
                        picked.append(SeededConsortium(cid, slug, name, channel_id, slug, tuple(seeded_members)))
                conn.execute(insert(Person), people)
                conn.execute(insert(Consortium), consortia)
                conn.execute(insert(Membership), memberships)
                for table, rows in ((ChecklistItem, checklist_rows), (Counter, counters),
                                    (ProvisioningStep, step_rows)):
                    if rows:
                        conn.execute(insert(table), rows)
            if conn.dialect.name == "postgresql":
                # Ids were given explicitly: move the sequences past them.
                for table in ("people", "consortia"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
            total = conn.scalar(select(func.count()).select_from(Consortium)) or 0
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return Seeded(network_id=network_id, team_id=team_id, team_domain=team, count=n, total=total,
                  seconds=time.perf_counter() - started, consortia=tuple(picked))


def _sample_indexes(n: int, sample: int) -> set[int]:
    if n <= 0 or sample <= 0:
        return set()
    if sample == 1 or n == 1:
        return {0}
    return {round(i * (n - 1) / (sample - 1)) for i in range(min(sample, n))}
