"""The commitments register: what each member organisation (or person) brings (PRODUCT.md §4 `/engagement`).

Statuses and allowed transitions::

    propose ──▶ accepte ──▶ en-cours ──▶ tenu
       │  └────────────────────▲            (accepte ──▶ tenu directly too)
       └──▶ abandonne ◀── (from any status but tenu) ; abandonne ──▶ propose (reopened)

``tenu`` (kept) is final. Accepting a commitment is the consortium's decision: the
lead partner or an admin. Otherwise the person responsible (the person named, or a
member of the organisation named), whoever recorded it, the lead partner and admins
may change it. Members record commitments for themselves or their organisation; the
lead partner and admins for anyone.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from integrations.mattermost.messages import escape_markdown
from models import (
    AuditEvent,
    Commitment,
    Consortium,
    Membership,
    Network,
    Organisation,
    Person,
    utcnow,
)
from plugin.exports import to_csv
from plugin.i18n import _, _l, get_locale, ngettext, use_locale
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.numbers import next_number
from plugin.kernel.outbox import queue
from plugin.services.base import Result
from plugin.services.organisations import find_organisation
from plugin.kernel.people import Directory, resolve_usernames

NUMBER_KIND = "commitment"
OPEN_STATUSES = ("propose", "accepte", "en-cours")
TRANSITIONS = {
    "propose": ("accepte", "en-cours", "abandonne"),
    "accepte": ("en-cours", "tenu", "abandonne", "propose"),
    "en-cours": ("tenu", "abandonne", "accepte"),
    "tenu": (),
    "abandonne": ("propose",),
}
DUE_SOON_DAYS = 7

STATUS_LABELS = {
    "propose": _l("proposed"), "accepte": _l("accepted"), "en-cours": _l("in progress"),
    "tenu": _l("kept"), "abandonne": _l("abandoned"),
}
STATUS_ICONS = {"propose": "💡", "accepte": "🤝", "en-cours": "⏳", "tenu": "✅", "abandonne": "✖️"}
TYPE_LABELS = {
    "temps": _l("time"), "financier": _l("financial"), "nature": _l("in kind"), "competences": _l("skills"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def type_label(kind: str) -> str:
    return str(TYPE_LABELS.get(kind, kind))


def format_number(value: Decimal | float, *, locale: str | None = None) -> str:
    """``1 500,50`` (narrow no-break space, decimal comma) / ``1,500.50``; no decimals for whole numbers."""
    return _format_number(Decimal(value), locale or get_locale())


@lru_cache(maxsize=4096)
def _format_number(value: Decimal, locale: str) -> str:
    from babel.numbers import format_decimal

    pattern = "#,##0.00" if value != value.to_integral_value() else "#,##0"
    return format_decimal(value, format=pattern, locale="fr_FR" if locale == "fr" else "en_GB")


def format_amount(value: Decimal | None, unit: str | None) -> str:
    """``1 500,50 €``, ``10 jours``, ``1,5 heure`` / ``€1,500.50``, ``10 days`` (memoised: lists repeat amounts)."""
    if value is None:
        return ""
    return _format_amount(Decimal(value), unit, get_locale())


@lru_cache(maxsize=4096)
def _format_amount(value: Decimal, unit: str | None, locale: str) -> str:
    number = _format_number(value, locale)
    if unit == "euros":
        return f"{number} €" if locale == "fr" else f"€{number}"
    plural_n = 1 if value <= 1 or (locale == "fr" and value < 2) else 2
    if unit == "heures":
        return ngettext("{amount} hour", "{amount} hours", plural_n, amount=number)
    if unit == "jours":
        return ngettext("{amount} day", "{amount} days", plural_n, amount=number)
    if unit == "unites":
        return ngettext("{amount} unit", "{amount} units", plural_n, amount=number)
    return f"{number} {unit or ''}".strip()


# --- reading ------------------------------------------------------------------------------

@dataclass
class CommitmentView:
    commitment: Commitment
    person: str | None
    organisation: str | None
    created_by: str | None

    @property
    def holder(self) -> str:
        from plugin.services.roles import holder_label

        return holder_label(self.person, self.organisation)


@dataclass
class Totals:
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)

    def add(self, commitment: Commitment) -> None:
        self.count += 1
        if commitment.amount is not None and commitment.unit:
            self.amounts[commitment.unit] = self.amounts.get(commitment.unit, Decimal(0)) + commitment.amount

    def text(self) -> str:
        parts = [format_amount(v, u) for u, v in sorted(self.amounts.items(), key=lambda kv: _UNIT_ORDER.get(kv[0], 9))]
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"count": self.count, "amounts": dict(self.amounts)}


_UNIT_ORDER = {"jours": 0, "heures": 1, "euros": 2, "unites": 3}


@dataclass
class Listing:
    items: list[CommitmentView]
    by_type: dict[str, Totals]
    by_organisation: dict[str, Totals]


_HOLDER, _ORG, _CREATOR = aliased(Person), aliased(Organisation), aliased(Person)
# Built once: SQLAlchemy caches the compiled statement, each request only binds the consortium.
_LIVE = (select(Commitment, _HOLDER.username, _ORG.short_name, _CREATOR.username)
         .outerjoin(_HOLDER, _HOLDER.id == Commitment.person_id)
         .outerjoin(_ORG, _ORG.id == Commitment.organisation_id)
         .outerjoin(_CREATOR, _CREATOR.id == Commitment.created_by_id)
         .where(Commitment.deleted_at.is_(None)))


def _query(consortium: Consortium):
    return _LIVE.where(Commitment.consortium_id == consortium.id)


def listing(session: Session, network: Network, consortium: Consortium, *, organisation: str | None = None,
            limit: int = 500) -> Listing:
    """Live commitments (numbered order) with totals; abandoned ones are listed, not counted."""
    query = _query(consortium)
    if organisation:
        org = find_organisation(session, network, organisation)
        query = query.where(Commitment.organisation_id == org.id)
    rows = session.execute(query.order_by(Commitment.number).limit(limit)).all()
    items = [CommitmentView(c, p, o, b) for c, p, o, b in rows]
    by_type: dict[str, Totals] = {}
    by_org: dict[str, Totals] = {}
    for view in items:
        if view.commitment.status == "abandonne":
            continue
        by_type.setdefault(view.commitment.kind, Totals()).add(view.commitment)
        key = view.organisation or (f"@{view.person}" if view.person else "—")
        by_org.setdefault(key, Totals()).add(view.commitment)
    return Listing(items, by_type, dict(sorted(by_org.items(), key=lambda kv: kv[0].lower())))


def get(session: Session, consortium: Consortium, number: int) -> Commitment:
    commitment = session.scalar(select(Commitment).where(Commitment.consortium_id == consortium.id,
                                                         Commitment.number == number))
    if commitment is None or commitment.deleted_at is not None:
        raise NotFound(_("There is no commitment number {n} in this consortium. "
                         "See the list with `/engagement list`.", n=number))
    return commitment


def as_dicts(views: list[CommitmentView]) -> list[dict]:
    """Rows for the JSON API (``CommitmentOutSchema``) and the CSV export."""
    return [{
        "number": v.commitment.number, "organisation": v.organisation, "person": v.person,
        "description": v.commitment.description, "type": v.commitment.kind, "amount": v.commitment.amount,
        "unit": v.commitment.unit, "due": v.commitment.due_date, "status": v.commitment.status,
        "created_by": v.created_by, "created_at": v.commitment.created_at, "updated_at": v.commitment.updated_at,
    } for v in views]


# --- changing -----------------------------------------------------------------------------

def _organisations_of(session: Session, consortium: Consortium, person: Person) -> set[int]:
    membership = access.active_membership(session, consortium, person)
    return {oid for oid in (person.organisation_id, membership.organisation_id if membership else None) if oid}


def _is_responsible(session: Session, consortium: Consortium, person: Person, commitment: Commitment) -> bool:
    if commitment.person_id == person.id or commitment.created_by_id == person.id:
        return True
    return commitment.organisation_id is not None and \
        commitment.organisation_id in _organisations_of(session, consortium, person)


def _snapshot(commitment: Commitment, person: str | None, organisation: str | None) -> dict:
    return {"number": commitment.number, "person": person, "organisation": organisation,
            "description": commitment.description, "type": commitment.kind,
            "amount": str(commitment.amount) if commitment.amount is not None else None,
            "unit": commitment.unit, "due": commitment.due_date.isoformat() if commitment.due_date else None,
            "status": commitment.status}


def _holder(session: Session, commitment: Commitment) -> tuple[str | None, str | None]:
    person = session.get(Person, commitment.person_id) if commitment.person_id else None
    org = session.get(Organisation, commitment.organisation_id) if commitment.organisation_id else None
    return (person.username if person else None), (org.short_name if org else None)


def summary_line(commitment: Commitment, person: str | None, organisation: str | None) -> str:
    from plugin.services.roles import holder_label

    head = f"**#{commitment.number}** {holder_label(person, organisation)} — {escape_markdown(commitment.description)}"
    parts = [head, type_label(commitment.kind)]
    if commitment.amount is not None:
        parts.append(format_amount(commitment.amount, commitment.unit))
    if commitment.due_date:
        from plugin.dates import format_short

        parts.append(_("due {date}", date=format_short(commitment.due_date)))
    return " · ".join(parts)


def add(session: Session, network: Network, actor: Actor, consortium: Consortium, data: dict, *,
        directory: Directory) -> Result:
    access.require_active(consortium)
    access.require_member(session, actor, consortium)
    target = data["target"]
    person = organisation = None
    if "user" in target:
        person = resolve_usernames(session, network, directory, [target["user"]])[target["user"]]
        if not access.is_member(session, consortium, person):
            raise NotFound(_("@{user} is not a member of “{name}”.", user=person.username, name=consortium.name))
    else:
        organisation = find_organisation(session, network, target["organisation"])
    may_for_others = actor.is_admin or access.is_lead(session, consortium, actor.person)
    if not may_for_others:
        own = (person is not None and person.id == actor.id) or (
            organisation is not None and organisation.id in _organisations_of(session, consortium, actor.person))
        if not own:
            raise Forbidden(_("You can record commitments for yourself or your own organisation; "
                              "the lead partner and the admins record them for others."))
    commitment = Commitment(
        consortium_id=consortium.id, number=next_number(session, consortium.id, NUMBER_KIND),
        organisation_id=organisation.id if organisation else None, person_id=person.id if person else None,
        description=data["description"], kind=data.get("kind") or "temps", amount=data.get("amount"),
        unit=data.get("unit"), due_date=data.get("due"), status="propose", created_by_id=actor.id,
    )
    session.add(commitment)
    session.flush()
    who_person, who_org = (person.username if person else None), (organisation.short_name if organisation else None)
    audit(session, actor, "commitment.add", consortium_id=consortium.id, target_type="commitment",
          target_id=commitment.id, after=_snapshot(commitment, who_person, who_org))
    consortium.last_activity_at = utcnow()
    line = summary_line(commitment, who_person, who_org)
    return Result(_("Commitment #{n} recorded.", n=commitment.number),
                  news=_("🤝 New commitment (@{actor}): {line}", actor=actor.username, line=line),
                  data={"commitment": commitment})


def change_status(session: Session, actor: Actor, consortium: Consortium, number: int, status: str) -> Result:
    access.require_active(consortium)
    access.require_member(session, actor, consortium)
    commitment = get(session, consortium, number)
    before = commitment.status
    if status == before:
        raise Conflict(_("Commitment #{n} is already “{status}”.", n=number, status=status_label(status)))
    if status not in TRANSITIONS[before]:
        allowed = TRANSITIONS[before]
        if allowed:
            raise Invalid(_("Commitment #{n} is “{before}”: it cannot become “{after}”. It can become: {allowed}.",
                            n=number, before=status_label(before), after=status_label(status),
                            allowed=", ".join(f"{s} ({status_label(s)})" for s in allowed)))
        raise Invalid(_("Commitment #{n} is “{before}”: that is final, it cannot become “{after}”.",
                        n=number, before=status_label(before), after=status_label(status)))
    is_lead = actor.is_admin or access.is_lead(session, consortium, actor.person)
    if status == "accepte" and not is_lead:
        raise Forbidden(_("Accepting a commitment is the consortium's decision: the lead partner or an admin."))
    if not is_lead and not _is_responsible(session, consortium, actor.person, commitment):
        raise Forbidden(_("Only the people responsible for commitment #{n}, the lead partner and the admins "
                          "can change it.", n=number))
    commitment.status = status
    person, org = _holder(session, commitment)
    audit(session, actor, "commitment.status", consortium_id=consortium.id, target_type="commitment",
          target_id=commitment.id, before={"status": before}, after={"status": status})
    consortium.last_activity_at = utcnow()
    from plugin.services.roles import holder_label

    news = _("{icon} Commitment #{n} of {holder} ({what}): “{before}” → “{after}” (@{actor}).",
             icon=STATUS_ICONS[status], n=number, holder=holder_label(person, org),
             what=escape_markdown(commitment.description[:80]), before=status_label(before),
             after=status_label(status), actor=actor.username)
    return Result(_("Commitment #{n} is now “{status}”.", n=number, status=status_label(status)), news=news)


def drop(session: Session, actor: Actor, consortium: Consortium, number: int) -> Result:
    """Withdraw a commitment from the register (kept in the history, its number never reused)."""
    access.require_active(consortium)
    access.require_member(session, actor, consortium)
    commitment = get(session, consortium, number)
    is_lead = actor.is_admin or access.is_lead(session, consortium, actor.person)
    if not is_lead and not _is_responsible(session, consortium, actor.person, commitment):
        raise Forbidden(_("Only the people responsible for commitment #{n}, the lead partner and the admins "
                          "can change it.", n=number))
    commitment.deleted_at = utcnow()
    person, org = _holder(session, commitment)
    audit(session, actor, "commitment.drop", consortium_id=consortium.id, target_type="commitment",
          target_id=commitment.id, before=_snapshot(commitment, person, org))
    consortium.last_activity_at = utcnow()
    from plugin.services.roles import holder_label

    return Result(_("Commitment #{n} withdrawn.", n=number),
                  news=_("🗑️ Commitment #{n} of {holder} ({what}) withdrawn from the register (@{actor}).",
                         n=number, holder=holder_label(person, org),
                         what=escape_markdown(commitment.description[:80]), actor=actor.username))


@dataclass
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    before: dict | None
    after: dict | None


def history(session: Session, actor: Actor, consortium: Consortium, number: int) -> tuple[Commitment, list[HistoryEntry]]:
    access.require_member(session, actor, consortium)
    commitment = session.scalar(select(Commitment).where(Commitment.consortium_id == consortium.id,
                                                         Commitment.number == number))
    if commitment is None:
        raise NotFound(_("There is no commitment number {n} in this consortium. "
                         "See the list with `/engagement list`.", n=number))
    events = session.scalars(select(AuditEvent).where(AuditEvent.target_type == "commitment",
                                                      AuditEvent.target_id == commitment.id)
                             .order_by(AuditEvent.at, AuditEvent.id))
    return commitment, [HistoryEntry(e.at, e.actor_label, e.action, e.before, e.after) for e in events]


def export(session: Session, network: Network, actor: Actor, consortium: Consortium, *, semicolon: bool = False,
           tz=None) -> Result:
    """Queue the register as CSV, posted in the channel (``;`` and decimal commas for French Excel)."""
    access.require_member(session, actor, consortium)
    views = listing(session, network, consortium, limit=100_000).items
    header = [_("No."), _("Organisation"), _("Person"), _("Commitment"), _("Type"), _("Amount"), _("Unit"),
              _("Due date"), _("Status"), _("Recorded by"), _("Recorded on")]

    def number(value):
        if value is None:
            return ""
        text = format(value, "f")
        return text.replace(".", ",") if semicolon else text

    rows = [[r["number"], r["organisation"], r["person"] and f"@{r['person']}", r["description"], r["type"],
             number(r["amount"]), r["unit"], r["due"].isoformat() if r["due"] else "", r["status"],
             r["created_by"] and f"@{r['created_by']}",
             (r["created_at"].astimezone(tz) if tz else r["created_at"]).strftime("%Y-%m-%d %H:%M")]
            for r in as_dicts(views)]
    content = to_csv(header, rows, semicolon=semicolon)
    name = f"engagements-{consortium.slug}-{utcnow().strftime('%Y%m%d')}.csv"
    queue(session, "mattermost.upload", {
        "consortium_id": consortium.id,
        "message": _("📎 Commitments register of “{name}”, exported by @{actor}.",
                     name=escape_markdown(consortium.name), actor=actor.username),
        "files": [{"name": name, "content": base64.b64encode(content).decode("ascii")}],
    }, consortium_id=consortium.id)
    audit(session, actor, "commitment.export", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    return Result(ngettext("The CSV export ({n} commitment) will be attached in the channel in a moment.",
                           "The CSV export ({n} commitments) will be attached in the channel in a moment.",
                           len(rows)))


# --- due soon: reminders and the weekly digest ---------------------------------------------

def due_soon(session: Session, consortium: Consortium, today: date, *, days: int = DUE_SOON_DAYS) -> list[CommitmentView]:
    """Open commitments overdue or due within ``days`` (for the weekly digest)."""
    rows = session.execute(_query(consortium).where(Commitment.status.in_(OPEN_STATUSES),
                                                    Commitment.due_date.is_not(None),
                                                    Commitment.due_date <= today + timedelta(days=days))
                           .order_by(Commitment.due_date, Commitment.number)).all()
    return [CommitmentView(c, p, o, b) for c, p, o, b in rows]


def digest_lines(session: Session, consortium: Consortium, today: date) -> list[str]:
    """Markdown lines for the consortium's weekly digest (in the current locale)."""
    lines = []
    for view in due_soon(session, consortium, today):
        c = view.commitment
        late = c.due_date < today
        lines.append(("⚠️ " if late else "⏰ ") + summary_line(c, view.person, view.organisation)
                     + " · " + status_label(c.status))
    return lines


def _responsible_people(session: Session, commitment: Commitment) -> list[Person]:
    if commitment.person_id:
        person = session.get(Person, commitment.person_id)
        return [person] if person else []
    people: list[Person] = []
    if commitment.organisation_id:
        people = list(session.scalars(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.consortium_id == commitment.consortium_id, Membership.left_at.is_(None),
                   Membership.organisation_id == commitment.organisation_id)
            .order_by(Person.username)))
    if not people and commitment.created_by_id:
        creator = session.get(Person, commitment.created_by_id)
        people = [creator] if creator else []
    return people


def queue_due_reminders(session: Session, now: datetime, *, default_locale: str = "fr",
                        days: int = DUE_SOON_DAYS) -> int:
    """Queue one direct message per responsible person for each open commitment due within ``days``.

    Idempotent: the dedupe key names the commitment, its due date and the person, so
    running this every few hours sends each reminder once (and again if the date moves).
    """
    from zoneinfo import ZoneInfo

    count = 0
    rows = session.execute(
        select(Commitment, Consortium).join(Consortium, Consortium.id == Commitment.consortium_id)
        .where(Commitment.due_date.is_not(None), Commitment.status.in_(OPEN_STATUSES),
               Commitment.deleted_at.is_(None), Consortium.archived_at.is_(None),
               and_(Commitment.due_date >= (now - timedelta(days=1)).date(),
                    Commitment.due_date <= (now + timedelta(days=days + 1)).date()))
        .order_by(Commitment.due_date)
    ).all()
    for commitment, consortium in rows:
        today = now.astimezone(ZoneInfo(consortium.timezone)).date()
        if not today <= commitment.due_date <= today + timedelta(days=days):
            continue
        person_name, org_name = _holder(session, commitment)
        for person in _responsible_people(session, commitment):
            if not person.mattermost_user_id or person.erased_at is not None:
                continue
            with use_locale(person.locale or default_locale):
                from plugin.dates import format_date

                message = _("⏰ Reminder: commitment #{n} in “{consortium}” is due {date}: {line}\n"
                            "When it is kept: `/engagement done {n} --consortium {slug}`.",
                            n=commitment.number, consortium=escape_markdown(consortium.name),
                            date=format_date(commitment.due_date),
                            line=summary_line(commitment, person_name, org_name), slug=consortium.slug)
            queue(session, "mattermost.dm", {"user_id": person.mattermost_user_id, "message": message},
                  consortium_id=consortium.id,
                  dedupe_key=f"commitment-due:{commitment.id}:{commitment.due_date.isoformat()}:{person.id}")
            count += 1
    return count


def _register_periodic() -> None:
    from plugin.delivery import periodic

    @periodic("commitments.due_soon", timedelta(hours=6))
    def remind(services, now: datetime) -> int:
        with services.db.transaction() as session:
            return queue_due_reminders(session, now, default_locale=services.settings.locale)


_register_periodic()


def overview_text(totals: dict[str, dict]) -> str:
    """``/consortium info``'s commitments line from ``Overview.commitments`` (kind -> {count, amounts})."""
    parts = []
    for kind in ("temps", "financier", "nature", "competences"):
        entry = totals.get(kind)
        if not entry:
            continue
        amounts = ", ".join(format_amount(Decimal(v), u) for u, v in
                            sorted(entry["amounts"].items(), key=lambda kv: _UNIT_ORDER.get(kv[0], 9)))
        count = ngettext("{n} commitment", "{n} commitments", entry["count"])
        parts.append(f"**{type_label(kind)}** {amounts} ({count})" if amounts else f"**{type_label(kind)}** ({count})")
    return " · ".join(parts)
