"""The commitments register's use cases: record (by command or form), change, read, export."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent, Commitment, Membership, Network, Organisation, Person
from plugin.i18n import _l, deferred
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.numbers import next_number
from plugin.kernel.people import resolve_usernames
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.registers import schemas
from plugin.features.registers.commitments import (
    NUMBER_KIND, TRANSITIONS, get, is_responsible, listing, not_found, snapshot,
)
from plugin.features.registers.events import CommitmentRecorded
from plugin.features.registers.labels import STATUS_LABELS, status_label
from plugin.features.registers.names import organisation_and_rest, quoted_form, with_quotes
from plugin.features.registers.organisations import find_organisation, list_organisations
from plugin.features.registers.outcomes import (
    CommitmentAdded, CommitmentDropped, CommitmentForm, CommitmentHistory, Commitments, CommitmentsRegister,
    ExportQueued, StatusChanged, UnknownConsortium,
)
from plugin.features.registers.roles import Holder, holder_of, is_lead, organisation_ids, require_member
from plugin.features.registers.usecases import export


def _may_change(ctx: Ctx) -> None:
    access.require_active(ctx.consortium)
    require_member(ctx)


def _organisation_named(ctx: Ctx, data: dict) -> tuple[Organisation, str]:
    """The organisation and what it commits to. Typed without quotes, an organisation's name may take
    several words (`ACI Lyon Sud Animation des ateliers`): the words are split against the register."""
    words, typed = data.get("words") or [], data["target"]["organisation"]
    if len(words) >= 2:
        split = organisation_and_rest(ctx.session, ctx.network, words)
        if split is not None:
            organisation, rest = split
            return organisation, data["description"] if rest == " ".join(words[1:]) else rest
        try:
            return find_organisation(ctx.session, ctx.network, typed), data["description"]
        except NotFound as refusal:
            raise NotFound(refusal.lazy_message, usage=with_quotes(
                quoted_form("engagement", "add", "<organisation>", "…"))) from None
    return find_organisation(ctx.session, ctx.network, typed), data["description"]


def _record(ctx: Ctx, data: dict) -> CommitmentAdded:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    target, description = data["target"], data["description"]
    person = organisation = None
    if "user" in target:
        person = resolve_usernames(session, ctx.network, ctx.directory, [target["user"]])[target["user"]]
        if not access.is_member(session, consortium, person):
            raise NotFound(_l("@{user} is not a member of “{name}”.", user=person.username, name=consortium.name))
    else:
        organisation, description = _organisation_named(ctx, data)
    if not (actor.is_admin or is_lead(ctx)):
        own = (person is not None and person.id == actor.id) or (
            organisation is not None and organisation.id in organisation_ids(ctx))
        if not own:
            raise Forbidden(_l("You can record commitments for yourself or your own organisation; "
                               "the lead partner and the admins record them for others."))
    commitment = Commitment(
        consortium_id=consortium.id, number=next_number(session, consortium.id, NUMBER_KIND),
        organisation_id=organisation.id if organisation else None, person_id=person.id if person else None,
        description=description, kind=data.get("kind") or "temps", amount=data.get("amount"),
        unit=data.get("unit"), due_date=data.get("due"), status="propose", created_by_id=actor.id,
    )
    session.add(commitment)
    session.flush()
    holder = Holder(person.username if person else None, organisation.short_name if organisation else None)
    audit(session, actor, "commitment.add", consortium_id=consortium.id, target_type="commitment",
          target_id=commitment.id, after=snapshot(commitment, holder))
    consortium.last_activity_at = ctx.now
    return CommitmentAdded(commitment, holder, actor.username)


@use_case("registers.add", schema=schemas.AddSchema)
def add(ctx: Ctx, data: dict) -> CommitmentAdded | CommitmentForm:
    """`/engagement ajouter ...`: the commitment (its news is the in-channel answer); no argument: the form."""
    _may_change(ctx)
    if data.get("form"):
        return _form(ctx)
    return _record(ctx, data)


def _form(ctx: Ctx) -> CommitmentForm:
    consortium = ctx.consortium
    organisations = [(org.short_name, org.name)
                     for org in list_organisations(ctx.session, ctx.network, consortium_id=consortium.id)]
    members: list[str] = []
    if ctx.actor.is_admin or is_lead(ctx):
        members = list(ctx.session.scalars(
            select(Person.username).join(Membership, Membership.person_id == Person.id)
            .where(Membership.consortium_id == consortium.id, Membership.left_at.is_(None))
            .order_by(Person.username)))
    return CommitmentForm(consortium.id, consortium.name, ctx.actor.username, organisations, members)


@use_case("registers.add_form", schema=schemas.CommitmentFormSchema)
def add_from_form(ctx: Ctx, data: dict) -> CommitmentAdded:
    """The form's submission: the channel hears of the commitment (``CommitmentRecorded``)."""
    _may_change(ctx)
    try:
        added = _record(ctx, data)
    except (NotFound, Forbidden) as refusal:   # about whom the form names
        raise type(refusal)(refusal.lazy_message, fields={"target": refusal.lazy_message}) from None
    c, holder = added.commitment, added.holder
    ctx.record(CommitmentRecorded(ctx.consortium.id, added.actor, c.number, c.description, c.kind, holder.person,
                                  holder.organisation, str(c.amount) if c.amount is not None else None, c.unit,
                                  c.due_date.isoformat() if c.due_date else None))
    return added


def _change_status(ctx: Ctx, number: int, status: str) -> StatusChanged:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    _may_change(ctx)
    commitment = get(session, consortium, number)
    before = commitment.status
    if status == before:
        raise Conflict(_l("Commitment #{n} is already “{status}”.", n=number, status=_status(status)))
    if status not in TRANSITIONS[before]:
        allowed = TRANSITIONS[before]
        if allowed:
            raise Invalid(_l("Commitment #{n} is “{before}”: it cannot become “{after}”. It can become: {allowed}.",
                             n=number, before=_status(before), after=_status(status),
                             allowed=_allowed(allowed)))
        raise Invalid(_l("Commitment #{n} is “{before}”: that is final, it cannot become “{after}”.",
                         n=number, before=_status(before), after=_status(status)))
    lead = actor.is_admin or is_lead(ctx)
    if status == "accepte" and not lead:
        raise Forbidden(_l("Accepting a commitment is the consortium's decision: the lead partner or an admin."))
    if not lead and not is_responsible(ctx, commitment):
        raise Forbidden(_l("Only the people responsible for commitment #{n}, the lead partner and the admins "
                           "can change it.", n=number))
    commitment.status = status
    holder = holder_of(session, commitment)
    audit(session, actor, "commitment.status", consortium_id=consortium.id, target_type="commitment",
          target_id=commitment.id, before={"status": before}, after={"status": status})
    consortium.last_activity_at = ctx.now
    return StatusChanged(number, holder, commitment.description, before, status, actor.username)


def _status(status: str):
    return STATUS_LABELS.get(status, status)


def _allowed(statuses: tuple[str, ...]):
    """``accepte (accepted), ...`` in the reader's language."""
    return deferred(lambda: ", ".join(f"{s} ({status_label(s)})" for s in statuses))


@use_case("registers.status", schema=schemas.StatusSchema)
def change_status(ctx: Ctx, data: dict) -> StatusChanged:
    return _change_status(ctx, data["number"], data["status"])


@use_case("registers.done", schema=schemas.NumberSchema)
def done(ctx: Ctx, data: dict) -> StatusChanged:
    return _change_status(ctx, data["number"], "tenu")


@use_case("registers.drop", schema=schemas.NumberSchema)
def drop(ctx: Ctx, data: dict) -> CommitmentDropped:
    """Withdraw a commitment from the register (kept in the history, its number never reused)."""
    session, consortium, actor, number = ctx.session, ctx.consortium, ctx.actor, data["number"]
    _may_change(ctx)
    commitment = get(session, consortium, number)
    if not (actor.is_admin or is_lead(ctx)) and not is_responsible(ctx, commitment):
        raise Forbidden(_l("Only the people responsible for commitment #{n}, the lead partner and the admins "
                           "can change it.", n=number))
    commitment.deleted_at = ctx.now
    holder = holder_of(session, commitment)
    audit(session, actor, "commitment.drop", consortium_id=consortium.id, target_type="commitment",
          target_id=commitment.id, before=snapshot(commitment, holder))
    consortium.last_activity_at = ctx.now
    return CommitmentDropped(number, holder, commitment.description, actor.username)


@use_case("registers.commitments", schema=schemas.CommitmentsSchema, read_only=True)
def list_commitments(ctx: Ctx, data: dict) -> Commitments:
    require_member(ctx)
    organisation = data.get("organisation")
    return Commitments(ctx.consortium.name, organisation,
                       listing(ctx.session, ctx.network, ctx.consortium, organisation=organisation))


@use_case("registers.commitment_history", schema=schemas.NumberSchema, read_only=True)
def commitment_history(ctx: Ctx, data: dict) -> CommitmentHistory:
    require_member(ctx)
    session, number = ctx.session, data["number"]
    commitment = session.scalar(select(Commitment).where(Commitment.consortium_id == ctx.consortium.id,
                                                         Commitment.number == number))
    if commitment is None:
        raise not_found(number)
    entries = list(session.scalars(select(AuditEvent).where(AuditEvent.target_type == "commitment",
                                                            AuditEvent.target_id == commitment.id)
                                   .order_by(AuditEvent.at, AuditEvent.id)))
    return CommitmentHistory(commitment, entries)


@use_case("registers.commitments_export", schema=schemas.ExportSchema)
def commitments_export(ctx: Ctx, data: dict) -> ExportQueued:
    require_member(ctx)
    rows = len(listing(ctx.session, ctx.network, ctx.consortium, limit=100_000).items)
    return export(ctx, "commitments", rows, data["semicolon"])


@use_case("registers.api_commitments", schema=schemas.ApiCommitmentsSchema, consortium="none", read_only=True)
def api_commitments(ctx: Ctx, data: dict) -> CommitmentsRegister | UnknownConsortium:
    consortium = consortium_by_slug(ctx.session, data["slug"][:64])
    if consortium is None:
        return UnknownConsortium()
    organisation = (data.get("organisation") or "").strip()[:64] or None
    network = ctx.session.get(Network, consortium.network_id)
    return CommitmentsRegister(consortium.slug, listing(ctx.session, network, consortium,
                                                        organisation=organisation, limit=100_000))
