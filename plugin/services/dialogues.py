"""Foundation dialogues: one thread per (consortium, foundation, subject), with its stage and next step.

Who may do what (PRODUCT.md §4 `/dialogue`, §6 Security):

- network admins and the consortium's members: everything on the consortium's dialogues;
- a foundation's representative: `liste`, `resume` and `prochaine-etape` on the
  dialogues of *their* foundation only. Another foundation's dialogue answers exactly
  like a dialogue that does not exist, so not even its existence leaks;
- everyone else is refused politely.

Messages posted in the shared dialogue channel are written in the network's default
language (``channel_locale``); replies to the actor in the actor's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from integrations.mattermost.messages import escape_markdown
from models import (
    Consortium, DialogueEvent, FoundationDialogue, Membership, Network, Organisation, Person, RoleAssignment,
    utcnow,
)
from plugin.dates import format_date
from plugin.i18n import _, ngettext, use_locale
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.numbers import next_number
from plugin.kernel.outbox import queue
from plugin.services.base import Result
from plugin.services.foundations import find_foundation, foundation_of, representatives

COUNTER = "dialogue"
LIAISON_ROLE = "referent-fondations"

# Allowed stage transitions: forward through the funding process; a declined dialogue may
# start exploring again; a granted one can only be closed; a closed one stays closed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "premier-contact": ("exploration", "candidature", "decline", "clos"),
    "exploration": ("candidature", "decline", "clos"),
    "candidature": ("instruction", "accorde", "decline", "clos"),
    "instruction": ("accorde", "decline", "clos"),
    "accorde": ("clos",),
    "decline": ("exploration", "clos"),
    "clos": (),
}


def stage_label(stage: str | None) -> str:
    labels = {
        "premier-contact": _("first contact"), "exploration": _("exploration"), "candidature": _("application"),
        "instruction": _("under review"), "accorde": _("granted"), "decline": _("declined"), "clos": _("closed"),
    }
    return labels.get(stage or "", stage or "")


STAGE_ICONS = {"premier-contact": "👋", "exploration": "🔎", "candidature": "📝", "instruction": "⏳",
               "accorde": "🎉", "decline": "✋", "clos": "🔒"}


# --- who is looking ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What an actor may see of a consortium's dialogues: all of them, or one foundation's."""

    full: bool
    foundation_id: int | None = None

    def sees(self, dialogue: FoundationDialogue) -> bool:
        return self.full or dialogue.foundation_id == self.foundation_id


def scope_for(session: Session, actor: Actor, consortium: Consortium) -> Scope | None:
    if actor.is_admin or access.is_member(session, consortium, actor.person):
        return Scope(full=True)
    foundation = foundation_of(session, actor.person)
    if foundation is not None and has_dialogue_with(session, consortium, foundation.id):
        return Scope(full=False, foundation_id=foundation.id)
    return None


def has_dialogue_with(session: Session, consortium: Consortium, foundation_id: int) -> bool:
    return session.scalar(select(FoundationDialogue.id).where(
        FoundationDialogue.consortium_id == consortium.id,
        FoundationDialogue.foundation_id == foundation_id).limit(1)) is not None


def can_see_public_profile(session: Session, consortium: Consortium, person: Person) -> bool:
    """A foundation's representative sees the public profile of the consortiums their foundation talks with."""
    foundation = foundation_of(session, person)
    if foundation is None:
        return False
    return consortium.is_public or has_dialogue_with(session, consortium, foundation.id)


def _members_only(consortium: Consortium) -> Forbidden:
    return Forbidden(_("The dialogues of “{name}” are reserved for its members and for the foundations taking "
                       "part in them.", name=consortium.name))


def require_scope(session: Session, actor: Actor, consortium: Consortium) -> Scope:
    scope = scope_for(session, actor, consortium)
    if scope is None:
        raise _members_only(consortium)
    return scope


def require_full(session: Session, actor: Actor, consortium: Consortium, *, what: str) -> None:
    scope = require_scope(session, actor, consortium)
    if not scope.full:
        raise Forbidden(_("Only the consortium's members can {what}. You can follow your foundation's dialogues "
                          "with `/dialogue list`, `/dialogue summary` and `/dialogue next`.", what=what))


def _not_found(number: int | None) -> NotFound:
    if number is None:
        return NotFound(_("Give the dialogue's number (see `/dialogue list`), or type the command in the "
                          "dialogue's thread."))
    return NotFound(_("There is no dialogue number {n} here. See `/dialogue list`.", n=number))


def resolve(session: Session, scope: Scope, consortium: Consortium, number: int | None,
            root_id: str | None) -> FoundationDialogue:
    """The dialogue named by its number, or by the thread the command was typed in.

    A dialogue outside the actor's scope is reported exactly like a missing one.
    """
    dialogue = None
    if number is not None:
        dialogue = session.scalar(select(FoundationDialogue).where(FoundationDialogue.consortium_id == consortium.id,
                                                                   FoundationDialogue.number == number))
    elif root_id:
        dialogue = session.scalar(select(FoundationDialogue).where(FoundationDialogue.consortium_id == consortium.id,
                                                                   FoundationDialogue.root_post_id == root_id))
    if dialogue is None or not scope.sees(dialogue):
        raise _not_found(number)
    return dialogue


# --- the root card ----------------------------------------------------------------------------

def _next_step_text(dialogue: FoundationDialogue) -> str:
    if dialogue.next_step_date is None:
        return _("none yet")
    return f"{format_date(dialogue.next_step_date)} — {escape_markdown(dialogue.next_step_action)}"


def card_message(session: Session, dialogue: FoundationDialogue, *, locale: str) -> str:
    """The thread's root post: foundation, subject, stage, next step, people."""
    consortium = session.get(Consortium, dialogue.consortium_id)
    foundation = session.get(Organisation, dialogue.foundation_id)
    reps = representatives(session, foundation.id)
    opener = session.get(Person, dialogue.opened_by_id) if dialogue.opened_by_id else None
    with use_locale(locale):
        people = ", ".join(f"@{p.username}" for p in reps) or _("no representative yet")
        lines = [
            _("#### 🤝 Dialogue no. {n} — {foundation}", n=dialogue.number, foundation=escape_markdown(foundation.name)),
            _("**Subject:** {subject}", subject=escape_markdown(dialogue.subject)),
            _("**Consortium:** {name}", name=escape_markdown(consortium.name)),
            _("**Stage:** {icon} {stage}", icon=STAGE_ICONS.get(dialogue.stage, ""), stage=stage_label(dialogue.stage)),
            _("**Next step:** {next}", next=_next_step_text(dialogue)),
            _("**Foundation's representatives:** {people}", people=people),
        ]
        if opener is not None:
            lines.append(_("Opened by @{user} on {date}.", user=opener.username,
                           date=format_date(aware(dialogue.opened_at).astimezone(ZoneInfo(consortium.timezone)).date())))
        if dialogue.closed_at is None:
            lines.append(_("_In this thread: `/dialogue stage <stage>`, `/dialogue next <date> "
                           "\"<action>\"`, `/dialogue summary`._"))
        else:
            lines.append(_("_This dialogue is closed._"))
    return "\n".join(lines)


def _post_in_thread(session: Session, dialogue: FoundationDialogue, message: str) -> None:
    queue(session, "mattermost.post", {
        "consortium_id": dialogue.consortium_id, "target": "dialogue", "message": message,
        "root_ref": {"name": "dialogue.root_post_id", "id": dialogue.id},
    }, consortium_id=dialogue.consortium_id)


def _update_card(session: Session, dialogue: FoundationDialogue, locale: str) -> None:
    session.flush()
    queue(session, "mattermost.update_post", {
        "consortium_id": dialogue.consortium_id, "ref": {"name": "dialogue.root_post_id", "id": dialogue.id},
        "message": card_message(session, dialogue, locale=locale),
    }, consortium_id=dialogue.consortium_id)


def _touch(dialogue: FoundationDialogue, consortium: Consortium) -> None:
    dialogue.last_activity_at = utcnow()
    consortium.last_activity_at = dialogue.last_activity_at


def _snapshot(dialogue: FoundationDialogue) -> dict:
    return {"number": dialogue.number, "stage": dialogue.stage,
            "next_step_date": dialogue.next_step_date.isoformat() if dialogue.next_step_date else None,
            "next_step_action": dialogue.next_step_action}


def permalink(link_base: str | None, post_id: str | None) -> str:
    if link_base and post_id:
        return f"{link_base.rstrip('/')}/pl/{post_id}"
    return ""


def dialogue_channel_name(consortium: Consortium) -> str:
    return f"{consortium.slug[:53].rstrip('-')}-fondations"


# --- actions ----------------------------------------------------------------------------------

def open_dialogue(session: Session, network: Network, actor: Actor, consortium: Consortium, data: dict, *,
                  channel_locale: str, link_base: str | None = None) -> Result:
    access.require_active(consortium)
    require_full(session, actor, consortium, what=_("open a dialogue"))
    foundation = find_foundation(session, network, data["foundation"])
    from plugin.features.consortium.api import slugify

    key = slugify(data["subject"])[:300]
    existing = session.scalar(select(FoundationDialogue).where(
        FoundationDialogue.consortium_id == consortium.id, FoundationDialogue.foundation_id == foundation.id,
        FoundationDialogue.subject_key == key, FoundationDialogue.closed_at.is_(None)))
    if existing is not None:
        link = permalink(link_base, existing.root_post_id)
        message = _("A dialogue with {foundation} on this subject is already open: no. {n} (stage “{stage}”). "
                    "Continue in its thread.", foundation=escape_markdown(foundation.short_name), n=existing.number,
                    stage=stage_label(existing.stage))
        raise Conflict(message + (" " + link if link else ""))
    dialogue = FoundationDialogue(consortium_id=consortium.id, number=next_number(session, consortium.id, COUNTER),
                                  foundation_id=foundation.id, subject=data["subject"], subject_key=key,
                                  stage="premier-contact", opened_by_id=actor.id)
    session.add(dialogue)
    session.flush()
    session.add(DialogueEvent(dialogue_id=dialogue.id, kind="opened", to_stage="premier-contact",
                              text=data["subject"], by_person_id=actor.id))
    audit(session, actor, "dialogue.open", consortium_id=consortium.id, target_type="dialogue",
          target_id=dialogue.id, after={**_snapshot(dialogue), "foundation": foundation.short_name,
                                        "subject": dialogue.subject})
    # The dialogue channel (created on first use, idempotent) with the members and the
    # foundation's representatives, then the root card; the outbox keeps the order.
    queue(session, "dialogue.channel", {"consortium_id": consortium.id}, consortium_id=consortium.id)
    queue(session, "mattermost.post", {
        "consortium_id": consortium.id, "target": "dialogue",
        "message": card_message(session, dialogue, locale=channel_locale),
        "store": {"name": "dialogue.root_post_id", "id": dialogue.id},
    }, consortium_id=consortium.id)
    _touch(dialogue, consortium)
    reps = representatives(session, foundation.id)
    lines = [_("✅ Dialogue no. {n} opened with **{foundation}**: “{subject}”. Its thread is in ~{channel}.",
               n=dialogue.number, foundation=escape_markdown(foundation.name),
               subject=escape_markdown(dialogue.subject), channel=dialogue_channel_name(consortium))]
    if reps:
        lines.append(_("Invited: {people}.", people=", ".join(f"@{p.username}" for p in reps)))
    else:
        lines.append(_("⚠️ {foundation} has no representative yet: the network's admins have been told. They add "
                       "one with `/consortium foundation representative {short} @user`.",
                       foundation=escape_markdown(foundation.name), short=foundation.short_name))
        with use_locale(channel_locale):
            notice = _("⚠️ @{user} opened dialogue no. {n} of the consortium “{name}” with {foundation}, which has no "
                       "representative yet. Add one with `/consortium foundation representative {short} @user`.",
                       user=actor.username, n=dialogue.number, name=escape_markdown(consortium.name),
                       foundation=escape_markdown(foundation.name), short=foundation.short_name)
        queue(session, "dialogue.notify_admins", {"message": notice}, consortium_id=consortium.id,
              dedupe_key=f"dialogue-no-rep:{dialogue.id}")
    return Result("\n".join(lines), data={"dialogue_id": dialogue.id, "number": dialogue.number})


def change_stage(session: Session, actor: Actor, consortium: Consortium, dialogue: FoundationDialogue, stage: str, *,
                 channel_locale: str) -> Result:
    access.require_active(consortium)
    before = dialogue.stage
    if stage == before:
        raise Conflict(_("Dialogue no. {n} is already at the stage “{stage}”.", n=dialogue.number,
                         stage=stage_label(stage)))
    allowed = TRANSITIONS.get(before, ())
    if stage not in allowed:
        if allowed:
            raise Invalid(_("Dialogue no. {n} cannot go from “{before}” to “{after}”. From “{before}”, the next "
                            "stages are: {allowed}.", n=dialogue.number, before=stage_label(before),
                            after=stage_label(stage), allowed=", ".join(allowed)))
        raise Invalid(_("Dialogue no. {n} is closed: its stage no longer changes. Open a new dialogue if the "
                        "conversation starts again.", n=dialogue.number))
    dialogue.stage = stage
    if stage == "clos":
        dialogue.closed_at = utcnow()
    session.add(DialogueEvent(dialogue_id=dialogue.id, kind="closed" if stage == "clos" else "stage",
                              from_stage=before, to_stage=stage, by_person_id=actor.id))
    audit(session, actor, "dialogue.close" if stage == "clos" else "dialogue.stage", consortium_id=consortium.id,
          target_type="dialogue", target_id=dialogue.id, before={"stage": before}, after={"stage": stage})
    _touch(dialogue, consortium)
    with use_locale(channel_locale):
        if stage == "clos":
            news = _("🔒 Dialogue closed by @{user} (it was at the stage “{before}”).", user=actor.username,
                     before=stage_label(before))
        else:
            news = _("{icon} Stage: “{before}” → **{after}** (@{user}).", icon=STAGE_ICONS.get(stage, ""),
                     before=stage_label(before), after=stage_label(stage), user=actor.username)
    _post_in_thread(session, dialogue, news)
    _update_card(session, dialogue, channel_locale)
    if stage == "clos":
        return Result(_("Dialogue no. {n} is closed. Its history stays available with `/dialogue summary {n}`.",
                        n=dialogue.number))
    return Result(_("Dialogue no. {n}: stage changed to “{stage}”; posted in its thread.", n=dialogue.number,
                    stage=stage_label(stage)))


def set_next_step(session: Session, actor: Actor, consortium: Consortium, dialogue: FoundationDialogue,
                  when: date, action: str, *, channel_locale: str) -> Result:
    access.require_active(consortium)
    if dialogue.closed_at is not None:
        raise Invalid(_("Dialogue no. {n} is closed: it has no next step any more.", n=dialogue.number))
    before = _snapshot(dialogue)
    dialogue.next_step_date = when
    dialogue.next_step_action = action
    dialogue.reminder_sent_for = None
    session.add(DialogueEvent(dialogue_id=dialogue.id, kind="next-step", text=f"{when.isoformat()}\t{action}",
                              by_person_id=actor.id))
    audit(session, actor, "dialogue.next_step", consortium_id=consortium.id, target_type="dialogue",
          target_id=dialogue.id, before=before, after=_snapshot(dialogue))
    _touch(dialogue, consortium)
    with use_locale(channel_locale):
        news = _("📌 Next step, {date}: {action} (@{user}). A reminder comes the day before.",
                 date=format_date(when), action=escape_markdown(action), user=actor.username)
    _post_in_thread(session, dialogue, news)
    _update_card(session, dialogue, channel_locale)
    return Result(_("Dialogue no. {n}: next step on {date} recorded; the people concerned get a reminder the day "
                    "before.", n=dialogue.number, date=format_date(when)))


# --- reading ----------------------------------------------------------------------------------

@dataclass
class DialogueRow:
    dialogue: FoundationDialogue
    foundation: Organisation
    consortium: Consortium


def _rows(session: Session, query) -> list[DialogueRow]:
    return [DialogueRow(d, f, c) for d, f, c in session.execute(query)]


def _base():
    return (select(FoundationDialogue, Organisation, Consortium)
            .join(Organisation, Organisation.id == FoundationDialogue.foundation_id)
            .join(Consortium, Consortium.id == FoundationDialogue.consortium_id))


def list_for_consortium(session: Session, consortium: Consortium, scope: Scope) -> list[DialogueRow]:
    query = _base().where(FoundationDialogue.consortium_id == consortium.id)
    if not scope.full:
        query = query.where(FoundationDialogue.foundation_id == scope.foundation_id)
    return _rows(session, query.order_by(FoundationDialogue.closed_at.is_not(None), FoundationDialogue.number))


def list_for_foundation(session: Session, foundation_id: int, *, limit: int = 50) -> list[DialogueRow]:
    query = (_base().where(FoundationDialogue.foundation_id == foundation_id, Consortium.archived_at.is_(None))
             .order_by(FoundationDialogue.closed_at.is_not(None), FoundationDialogue.last_activity_at.desc())
             .limit(limit))
    return _rows(session, query)


@dataclass
class NetworkPage:
    rows: list[DialogueRow]
    total: int
    per_stage: dict[str, int] = field(default_factory=dict)


def _stage_counts_query(conditions: tuple, stage: str | None):
    """One statement: a count per stage, plus the count of any stage outside the known ones.

    Each known stage is one equality range of the (stage, closed_at) index — no sort, no
    grouping over the whole table; the extra count reads the gaps between the known
    stages (a few empty ranges of the same index).
    """
    from models import DIALOGUE_STAGES

    stages = (stage,) if stage else DIALOGUE_STAGES
    parts = [select(literal(s).label("stage"), func.count().label("n")).select_from(FoundationDialogue)
             .where(FoundationDialogue.stage == s, *conditions) for s in stages]
    if not stage:
        ordered = sorted(stages)
        gaps = [FoundationDialogue.stage < ordered[0], FoundationDialogue.stage > ordered[-1]]
        gaps += [and_(FoundationDialogue.stage > low, FoundationDialogue.stage < high)
                 for low, high in pairwise(ordered)]
        parts.append(select(literal(None, String).label("stage"), func.count().label("n"))
                     .select_from(FoundationDialogue).where(or_(*gaps), *conditions))
    return union_all(*parts)


_unfiltered_counts = lru_cache(maxsize=16)(lambda stage: _stage_counts_query((), stage))


def _stage_counts(session: Session, conditions: list, stage: str | None) -> dict[str, int]:
    """The count per stage under ``conditions``, zero counts left out.

    Should a stage outside the known ones turn up, the grouped count gives its name.
    """
    query = _stage_counts_query(tuple(conditions), stage) if conditions else _unfiltered_counts(stage)
    found = session.execute(query).all()
    per_stage = {name: n for name, n in found if name is not None and n}
    if any(name is None and n for name, n in found):
        per_stage = {name: n for name, n in session.execute(
            select(FoundationDialogue.stage, func.count()).where(*conditions)
            .group_by(FoundationDialogue.stage)).all() if n}
    return per_stage


def _page_query(conditions: tuple):
    """The page's dialogues with their foundation and consortium, most recently active first:
    the ids come from the (last_activity_at, id) index walked backwards, then the rows by id."""
    order = (FoundationDialogue.last_activity_at.desc(), FoundationDialogue.id.desc())
    page_ids = (select(FoundationDialogue.id).where(*conditions).order_by(*order)
                .limit(bindparam("page_limit")).offset(bindparam("page_offset")))
    return _base().where(FoundationDialogue.id.in_(page_ids.scalar_subquery())).order_by(*order)


_unfiltered_page = lru_cache(maxsize=1)(lambda: _page_query(()))


def network_list(session: Session, network: Network, *, limit: int = 50, offset: int = 0,
                 consortium_slug: str | None = None, foundation: str | None = None, stage: str | None = None,
                 open_only: bool = False) -> NetworkPage:
    """Dialogues across the network, most recently active first, with the count per stage.

    Constant work per page whatever the number of dialogues, in three statements: the
    page walks the (last_activity_at, id) index backwards and its rows are read by id
    with their foundation and consortium; the counts read short ranges of the
    (stage, closed_at) index (no join when the database holds a single network, the
    usual case).
    """
    in_network = select(Consortium.id).where(Consortium.network_id == network.id)
    single_network = (session.scalar(select(func.count()).select_from(Network)) or 0) <= 1
    conditions = [] if single_network else [FoundationDialogue.consortium_id.in_(in_network)]
    if consortium_slug:
        conditions.append(FoundationDialogue.consortium_id.in_(in_network.where(Consortium.slug == consortium_slug.lower())))
    if foundation:
        conditions.append(FoundationDialogue.foundation_id.in_(select(Organisation.id).where(
            Organisation.network_id == network.id, func.lower(Organisation.short_name) == foundation.lower())))
    if open_only:
        conditions.append(FoundationDialogue.closed_at.is_(None))
    per_stage = _stage_counts(session, conditions, stage)
    total = sum(per_stage.values())
    if stage:
        conditions.append(FoundationDialogue.stage == stage)
    if not total or offset >= total:
        return NetworkPage([], total, per_stage)
    query = _page_query(tuple(conditions)) if conditions else _unfiltered_page()
    rows = [DialogueRow(d, f, c) for d, f, c in session.execute(query, {"page_limit": limit, "page_offset": offset})]
    return NetworkPage(rows, total, per_stage)


@dataclass
class Summary:
    dialogue: FoundationDialogue
    foundation: Organisation
    events: list[tuple[DialogueEvent, str | None]]


def summary(session: Session, dialogue: FoundationDialogue) -> Summary:
    events = [(event, username) for event, username in session.execute(
        select(DialogueEvent, Person.username).outerjoin(Person, Person.id == DialogueEvent.by_person_id)
        .where(DialogueEvent.dialogue_id == dialogue.id).order_by(DialogueEvent.at, DialogueEvent.id))]
    return Summary(dialogue, session.get(Organisation, dialogue.foundation_id), events)


def next_step_of(event: DialogueEvent) -> tuple[date | None, str]:
    """The (date, action) recorded by a next-step event."""
    raw, _sep, action = (event.text or "").partition("\t")
    try:
        return date.fromisoformat(raw), action
    except ValueError:
        return None, event.text or ""


def aware(moment: datetime) -> datetime:
    """Stored times are UTC; some drivers hand them back without their zone."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def days_since(moment: datetime, now: datetime) -> int:
    return max(0, (aware(now) - aware(moment)).days)


# --- reminders --------------------------------------------------------------------------------

def concerned_people(session: Session, dialogue: FoundationDialogue) -> list[Person]:
    """Who is reminded of a next step: whoever set it, the foundation's representatives, the liaison role."""
    people: dict[int, Person] = {}
    setter_id = session.scalar(select(DialogueEvent.by_person_id).where(
        DialogueEvent.dialogue_id == dialogue.id, DialogueEvent.kind == "next-step")
        .order_by(DialogueEvent.at.desc(), DialogueEvent.id.desc()).limit(1))
    if setter_id:
        setter = session.get(Person, setter_id)
        if setter is not None:
            people[setter.id] = setter
    for person in representatives(session, dialogue.foundation_id):
        people[person.id] = person
    liaison = session.scalars(select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
        RoleAssignment.consortium_id == dialogue.consortium_id, RoleAssignment.role_key == LIAISON_ROLE,
        RoleAssignment.ended_at.is_(None)))
    for person in liaison:
        people[person.id] = person
    return [p for p in people.values() if p.mattermost_user_id and p.erased_at is None]


def queue_reminders(session: Session, now: datetime, *, default_locale: str) -> int:
    """Queue the day-before reminders of next steps (idempotent: dedupe keys, ``reminder_sent_for``)."""
    today_utc = now.astimezone(ZoneInfo("UTC")).date()
    candidates = session.execute(
        select(FoundationDialogue, Consortium).join(Consortium, Consortium.id == FoundationDialogue.consortium_id)
        .where(FoundationDialogue.closed_at.is_(None), FoundationDialogue.next_step_date.is_not(None),
               FoundationDialogue.next_step_date >= today_utc - timedelta(days=1),
               FoundationDialogue.next_step_date <= today_utc + timedelta(days=2),
               Consortium.archived_at.is_(None))).all()
    queued = 0
    for dialogue, consortium in candidates:
        if dialogue.reminder_sent_for == dialogue.next_step_date:
            continue
        local_today = now.astimezone(ZoneInfo(consortium.timezone)).date()
        # The day before; a step set for today or tomorrow after that moment still gets one.
        if not (dialogue.next_step_date - timedelta(days=1) <= local_today <= dialogue.next_step_date):
            continue
        foundation = session.get(Organisation, dialogue.foundation_id)
        people = concerned_people(session, dialogue)
        key = f"dialogue-reminder:{dialogue.id}:{dialogue.next_step_date.isoformat()}"
        for person in people:
            with use_locale(person.locale or default_locale):
                when = format_date(dialogue.next_step_date)
                message = _("⏰ Reminder — dialogue no. {n} of the consortium “{name}” with {foundation} "
                            "(“{subject}”): next step {when}: {action}.", n=dialogue.number,
                            name=escape_markdown(consortium.name), foundation=escape_markdown(foundation.name),
                            subject=escape_markdown(dialogue.subject), when=when,
                            action=escape_markdown(dialogue.next_step_action))
            queue(session, "mattermost.dm", {"user_id": person.mattermost_user_id, "message": message},
                  consortium_id=consortium.id, dedupe_key=f"{key}:{person.id}")
            queued += 1
        with use_locale(default_locale):
            mentions = " ".join(f"@{p.username}" for p in people)
            thread = _("⏰ Reminder: next step {when}: {action}. {people}", when=format_date(dialogue.next_step_date),
                       action=escape_markdown(dialogue.next_step_action), people=mentions).strip()
        queue(session, "mattermost.post", {
            "consortium_id": consortium.id, "target": "dialogue", "message": thread,
            "root_ref": {"name": "dialogue.root_post_id", "id": dialogue.id},
        }, consortium_id=consortium.id, dedupe_key=f"{key}:thread")
        queued += 1
        dialogue.reminder_sent_for = dialogue.next_step_date
        audit(session, None, "dialogue.reminder", consortium_id=consortium.id, target_type="dialogue",
              target_id=dialogue.id, after={"next_step_date": dialogue.next_step_date.isoformat(),
                                            "people": [p.username for p in people]})
    return queued


# --- the channel's people -------------------------------------------------------------------

def channel_people(session: Session, consortium: Consortium) -> list[tuple[str, str]]:
    """(username, Mattermost user id) of the consortium's members and of the representatives of
    the foundations it has an open dialogue with."""
    members = session.execute(
        select(Person.username, Person.mattermost_user_id).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == consortium.id, Membership.left_at.is_(None),
               Person.mattermost_user_id.is_not(None))).all()
    foundation_ids = select(FoundationDialogue.foundation_id).where(
        FoundationDialogue.consortium_id == consortium.id, FoundationDialogue.closed_at.is_(None))
    reps = session.execute(
        select(Person.username, Person.mattermost_user_id).where(
            Person.organisation_id.in_(foundation_ids), Person.mattermost_user_id.is_not(None),
            Person.erased_at.is_(None))).all()
    seen: dict[str, str] = {}
    for username, user_id in [*members, *reps]:
        seen.setdefault(user_id, username)
    return [(username, user_id) for user_id, username in seen.items()]


def count_label(n: int) -> str:
    return ngettext("{n} dialogue", "{n} dialogues", n)
