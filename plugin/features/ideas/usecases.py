"""The ideas' use cases: propose, list (most supported first), support (a button, one per person,
removable), merge and retain (admins, the network's facilitators). Each is audited."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from models import Idea, IdeaSupport
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.ideas import schemas
from plugin.features.ideas.outcomes import Line, Listing, Merged, Proposed, Retained, Supported

TARGET = "idea"
LIST_SIZE = 50


def find_idea(ctx: Ctx, number: int) -> Idea:
    idea = ctx.session.scalar(select(Idea).where(Idea.network_id == ctx.network.id, Idea.number == number))
    if idea is None:
        raise NotFound(_l("There is no idea {n}. `/idea list` shows the numbers.", n=number))
    if idea.status == "merged":
        target = ctx.session.get(Idea, idea.merged_into_id)
        raise Conflict(_l("Idea {n} was merged into idea {m}.", n=number, m=target.number if target else "?"))
    return idea


def supports_of(session, idea_id: int) -> int:
    return session.scalar(select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea_id))


@use_case("idea.propose", schema=schemas.ProposeSchema, consortium="none")
def propose(ctx: Ctx, data: dict) -> Proposed:
    session, network = ctx.session, ctx.network
    for _attempt in range(5):
        number = (session.scalar(select(func.max(Idea.number)).where(Idea.network_id == network.id)) or 0) + 1
        idea = Idea(network_id=network.id, number=number, title=data["title"], description=data["description"],
                    status="open", proposed_by_id=ctx.actor.id, created_at=ctx.now)
        try:
            with session.begin_nested():
                session.add(idea)
            break
        except IntegrityError:      # someone took this number a moment ago
            continue
    else:
        raise Conflict(_l("Many ideas are being proposed at once: please send yours again."))
    audit(session, ctx.actor, "idea.propose", target_type=TARGET, target_id=idea.id,
          after={"number": number, "title": idea.title})
    return Proposed(number, idea.title, idea.description, ctx.actor.username)


@use_case("idea.list", schema=schemas.EmptySchema, consortium="none", read_only=True)
def list_ideas(ctx: Ctx, data: dict) -> Listing:
    session = ctx.session
    counts = (select(IdeaSupport.idea_id, func.count().label("n")).group_by(IdeaSupport.idea_id).subquery())
    mine = set(session.scalars(select(IdeaSupport.idea_id).join(Idea, Idea.id == IdeaSupport.idea_id)
                               .where(Idea.network_id == ctx.network.id, IdeaSupport.person_id == ctx.actor.id)))
    rows = session.execute(
        select(Idea, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.idea_id == Idea.id)
        .where(Idea.network_id == ctx.network.id, Idea.status != "merged")
        .order_by(func.coalesce(counts.c.n, 0).desc(), Idea.number).limit(LIST_SIZE)).all()
    return Listing([Line(i.number, i.title, i.description, i.status, n, i.id in mine) for i, n in rows])


@use_case("idea.support", schema=schemas.SupportSchema, consortium="none")
def support(ctx: Ctx, data: dict) -> Supported:
    """The support button: gives the reader's support, or withdraws it."""
    session = ctx.session
    idea = find_idea(ctx, data["number"])
    existing = session.scalar(select(IdeaSupport).where(IdeaSupport.idea_id == idea.id,
                                                        IdeaSupport.person_id == ctx.actor.id))
    if existing is not None:
        session.delete(existing)
        supporting = False
    else:
        try:
            with session.begin_nested():
                session.add(IdeaSupport(idea_id=idea.id, person_id=ctx.actor.id, created_at=ctx.now))
        except IntegrityError:
            raise Conflict(_l("Your support was just recorded: nothing changed.")) from None
        supporting = True
    session.flush()
    audit(session, ctx.actor, "idea.support" if supporting else "idea.unsupport", target_type=TARGET,
          target_id=idea.id)
    return Supported(idea.number, idea.title, supporting, supports_of(session, idea.id))


@use_case("idea.merge", schema=schemas.MergeSchema, consortium="none")
def merge(ctx: Ctx, data: dict) -> Merged:
    access.require_admin(ctx.actor)
    session = ctx.session
    if data["source"] == data["target"]:
        raise Invalid(_l("An idea cannot be merged into itself."))
    source, target = find_idea(ctx, data["source"]), find_idea(ctx, data["target"])
    # The supports move over; someone who supported both counts once.
    both = select(IdeaSupport.person_id).where(IdeaSupport.idea_id == target.id)
    session.execute(IdeaSupport.__table__.delete().where(IdeaSupport.idea_id == source.id,
                                                         IdeaSupport.person_id.in_(both)))
    session.execute(update(IdeaSupport).where(IdeaSupport.idea_id == source.id).values(idea_id=target.id))
    source.status, source.merged_into_id = "merged", target.id
    if source.description and source.description not in target.description:
        target.description = "\n".join(part for part in (target.description, source.description) if part)
    session.flush()
    audit(session, ctx.actor, "idea.merge", target_type=TARGET, target_id=source.id,
          after={"into": target.number})
    return Merged(source.number, target.number, target.title, supports_of(session, target.id))


@use_case("idea.retain", schema=schemas.NumberSchema, consortium="none")
def retain(ctx: Ctx, data: dict) -> Retained:
    access.require_admin(ctx.actor)
    idea = find_idea(ctx, data["number"])
    if idea.status == "retained":
        return Retained(idea.number, idea.title, already=True)
    idea.status, idea.retained_at = "retained", ctx.now
    audit(ctx.session, ctx.actor, "idea.retain", target_type=TARGET, target_id=idea.id)
    return Retained(idea.number, idea.title)
