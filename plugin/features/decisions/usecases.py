"""The decisions' use cases: the rule, proposing, voting (a card's button), closing, cancelling,
listing. Each returns an outcome, records events and is audited.

A secret ballot stores who voted (``DecisionBallot`` without a choice) apart from the counts
(``DecisionTally``); its audit entries name the voter, never the option. A secret vote is final:
nothing links it to its voter, so it cannot be found again to be changed.
"""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from models import Decision, DecisionBallot, DecisionRule, DecisionTally
from plugin.dates import DateError, parse_datetime
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid
from plugin.kernel.numbers import next_number
from plugin.kernel.people import resolve_usernames
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.checklist.api import answer_question
from plugin.features.decisions import schemas
from plugin.features.decisions.ballots import (
    TARGET, card_of, close_decision, find_decision, labels, require_open, rule_of,
)
from plugin.features.decisions.events import (
    DecisionCancelled, DecisionClosed, DecisionProposed, DecisionsExported, VoteReplaced,
)
from plugin.features.decisions.outcomes import (
    Cancelled, Closed, ExportQueued, History, Listing, Proposed, RuleShown, Voted,
)
from plugin.features.decisions.voters import electorate, unit_of

DEFAULT_DURATION = timedelta(days=7)
LONGEST = timedelta(days=365)
DEADLINE_TIME = time(18, 0)       # "--jusqu-au vendredi": Friday 18:00
HISTORY_SIZE = 30


def _require_member(ctx: Ctx) -> None:
    if ctx.actor.is_admin or ctx.membership is not None:
        return
    if ctx.channel_id and ctx.channel_id == ctx.consortium.dialogue_channel_id:
        # a foundation's representative: decisions are the members' own, outcomes come when shared
        raise Forbidden(_l("The decisions of the consortium “{name}” are its members' own. When the consortium "
                           "shares a decision with the foundations, its outcome is posted in this channel once "
                           "it is closed.", name=ctx.consortium.name))
    raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=ctx.consortium.name))


def _require_steward(ctx: Ctx, decision: Decision) -> None:
    """Its proposer, the lead partner or an admin."""
    if ctx.actor.is_admin or decision.proposed_by_id == ctx.actor.id:
        return
    if ctx.membership is not None and access.is_lead(ctx.session, ctx.consortium, ctx.actor.person):
        return
    raise Forbidden(_l("Only the decision's proposer, the lead partner and the network's admins can do this."))


# --- the rule -------------------------------------------------------------------------------

@use_case("decision.rule", schema=schemas.RuleSchema)
def rule(ctx: Ctx, data: dict) -> RuleShown:
    session, consortium = ctx.session, ctx.consortium
    wanted = {key: data.get(key) for key in ("kind", "ratio", "quorum", "casting")}
    if not any(value is not None for value in wanted.values()) and not data.get("per_person"):
        _require_member(ctx)
        return RuleShown(rule_of(session, consortium.id))
    access.require_active(consortium)
    access.require_admin_or_lead(session, ctx.actor, consortium)
    before = rule_of(session, consortium.id)
    kind = data.get("kind") or before["kind"]
    if data.get("ratio") and kind != "qualified":
        raise Invalid(_l("A fraction such as 2/3 goes with a qualified majority: "
                         "`/decision rule qualified-majority 2/3`."))
    numerator, denominator = data.get("ratio") or ((before["numerator"], before["denominator"])
                                                   if before["kind"] == "qualified" and kind == "qualified" else
                                                   ((2, 3) if kind == "qualified" else (1, 2)))
    casting = before["casting"]
    if data.get("casting"):
        person = resolve_usernames(session, ctx.network, ctx.directory, [data["casting"]])[data["casting"]]
        if not access.is_member(session, consortium, person):
            raise Invalid(_l("@{user} is not a member of this consortium: the casting vote goes to a member.",
                             user=person.username))
        casting = person.id
    row = session.get(DecisionRule, consortium.id) or DecisionRule(consortium_id=consortium.id)
    row.kind, row.numerator, row.denominator = kind, numerator, denominator
    row.quorum_percent = data["quorum"] if data.get("quorum") is not None else before["quorum"]
    row.casting_person_id = casting
    row.per_person = bool(data.get("per_person")) if data.get("kind") else (before["per_person"]
                                                                             or bool(data.get("per_person")))
    row.updated_by_id, row.updated_at = ctx.actor.id, ctx.now
    session.add(row)
    session.flush()
    after = rule_of(session, consortium.id)
    audit(session, ctx.actor, "decision.rule", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id, before=before, after=after)
    # The checklist asks "How do we decide?": the rule is its answer (as the command that sets it).
    item = answer_question(ctx, "governance-decisions", rule_command(after))
    return RuleShown(after, changed=True, checklist_item=item)


def rule_command(rule: dict) -> str:
    """The rule written as the command that sets it: language-neutral enough for a checklist note."""
    words = {"majority": "majorite", "qualified": "majorite-qualifiee", "consensus": "consensus",
             "unanimity": "unanimite"}
    text = f"/decision regle {words[rule['kind']]}"
    if rule["kind"] == "qualified":
        text += f" {rule['numerator']}/{rule['denominator']}"
    text += f" --quorum {rule['quorum']}%"
    if rule.get("casting_name"):
        text += f" --voix-preponderante @{rule['casting_name']}"
    return text + (" --par-personne" if rule.get("per_person") else "")


# --- proposing ------------------------------------------------------------------------------

def _deadline(ctx: Ctx, text: str | None):
    if not text:
        return ctx.now + DEFAULT_DURATION
    try:
        when = parse_datetime(text, now=ctx.now, tz=ctx.tz, default_time=DEADLINE_TIME)
    except DateError as error:
        raise Invalid(error.message, fields={"until": error.message}) from None
    if when <= ctx.now:
        raise Invalid(_l("The deadline is already past: give a moment to come, such as “friday 6pm”."))
    if when - ctx.now > LONGEST:
        raise Invalid(_l("The deadline is more than a year away: a vote lasts a year at most."))
    return when


@use_case("decision.propose", schema=schemas.ProposeSchema)
def propose(ctx: Ctx, data: dict) -> Proposed:
    _require_member(ctx)
    access.require_active(ctx.consortium)
    session, consortium = ctx.session, ctx.consortium
    deadline = _deadline(ctx, data.get("until"))
    number = next_number(session, consortium.id, "decision")
    decision = Decision(consortium_id=consortium.id, number=number, title=data["title"],
                        options=data.get("options") or [], secret=bool(data.get("secret")),
                        shared_with_foundations=bool(data.get("shared")),
                        rule=rule_of(session, consortium.id), deadline=deadline, status="open",
                        proposed_by_id=ctx.actor.id, created_at=ctx.now)
    session.add(decision)
    session.flush()
    if decision.secret:     # the counts, one row per option from the start (see _secret_vote)
        session.add_all(DecisionTally(decision_id=decision.id, choice=i, votes=0) for i in range(len(labels(decision))))
    audit(session, ctx.actor, "decision.propose", consortium_id=consortium.id, target_type=TARGET,
          target_id=decision.id, after={"number": number, "title": decision.title, "options": labels(decision),
                                        "secret": decision.secret, "deadline": deadline.isoformat(),
                                        "shared_with_foundations": decision.shared_with_foundations})
    ctx.record(DecisionProposed(consortium.id, decision.id, number))
    return Proposed(number, decision.title, deadline, decision.secret, decision.shared_with_foundations)


# --- voting (the card's buttons) ------------------------------------------------------------

def _insert(session, row) -> bool:
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False


def _secret_vote(ctx: Ctx, decision: Decision, unit, choice: int) -> None:
    session = ctx.session
    taken = session.scalar(select(DecisionBallot.person_id).where(DecisionBallot.decision_id == decision.id,
                                                                  DecisionBallot.voter_key == unit.key))
    if taken is not None or not _insert(session, DecisionBallot(decision_id=decision.id, voter_key=unit.key,
                                                                organisation_id=unit.organisation_id,
                                                                person_id=ctx.actor.id)):
        raise Conflict(_l("{unit} has already voted on this secret ballot. A secret vote is final: nothing links it "
                          "to its voter, so it cannot be changed.", unit=unit.label))
    # Every option's row is rewritten, not only the chosen one's: on PostgreSQL a row remembers the
    # transaction that last wrote it (xmin), which would otherwise pair this ballot with its option.
    session.execute(update(DecisionTally).where(DecisionTally.decision_id == decision.id)
                    .values(votes=DecisionTally.votes + case((DecisionTally.choice == choice, 1), else_=0)))
    audit(session, ctx.actor, "decision.vote", consortium_id=decision.consortium_id, target_type=TARGET,
          target_id=decision.id, after={"unit": unit.label, "secret": True})


@use_case("decision.vote", schema=schemas.VoteSchema)
def vote(ctx: Ctx, data: dict) -> Voted:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    decision = find_decision(session, consortium.id, data["number"], lock=True)
    require_open(decision, ctx.now)
    choice = data["choice"]
    if not 0 <= choice < len(labels(decision)):
        raise Invalid(_l("This option is not on the ballot."))
    unit = unit_of(electorate(session, consortium.id, per_person=bool(decision.rule.get("per_person"))), actor.id)
    if unit is None:
        raise Forbidden(_l("You do not vote in this consortium: votes belong to its member organisations "
                           "(foundation representatives do not vote)."))
    if decision.secret:
        _secret_vote(ctx, decision, unit, choice)
        return Voted(card_of(session, decision), choice, unit.label)
    ballot = session.scalar(select(DecisionBallot).where(DecisionBallot.decision_id == decision.id,
                                                         DecisionBallot.voter_key == unit.key))
    if ballot is None:
        ballot = DecisionBallot(decision_id=decision.id, voter_key=unit.key, organisation_id=unit.organisation_id,
                                person_id=actor.id, choice=choice)
        if not _insert(session, ballot):
            raise Conflict(_l("{unit} voted at the same moment: press the button again.", unit=unit.label))
        before = None
    elif ballot.person_id == actor.id and ballot.choice == choice:
        return Voted(card_of(session, decision), choice, unit.label, unchanged=True)
    else:
        before = {"choice": ballot.choice, "person_id": ballot.person_id}
        replaced_id = ballot.person_id
        ballot.person_id, ballot.choice = actor.id, choice
        session.flush()
    audit(session, actor, "decision.vote", consortium_id=consortium.id, target_type=TARGET, target_id=decision.id,
          before=before, after={"unit": unit.label, "choice": choice, "option": labels(decision)[choice]})
    replaced = None
    if before is not None and replaced_id is not None and replaced_id != actor.id:
        replaced = unit.people.get(replaced_id, "?")
        ctx.record(VoteReplaced(consortium.id, decision.id, decision.number, decision.title, unit.label,
                                actor.username, replaced_id))
    return Voted(card_of(session, decision), choice, unit.label, replaced=replaced)


# --- closing and cancelling -----------------------------------------------------------------

@use_case("decision.close", schema=schemas.NumberSchema)
def close(ctx: Ctx, data: dict) -> Closed:
    session = ctx.session
    decision = find_decision(session, ctx.consortium.id, data["number"], lock=True)
    _require_steward(ctx, decision)
    if decision.status != "open":
        raise Conflict(_l("Decision {n} is already closed: nothing was changed. `/decision history` shows its "
                          "outcome.", n=decision.number) if decision.status == "closed" else
                       _l("Decision {n} was cancelled: nothing was done.", n=decision.number))
    result = close_decision(session, decision, ctx.now, ctx.actor)
    ctx.record(DecisionClosed(decision.consortium_id, decision.id, decision.number, ctx.actor.username))
    return Closed(decision.number, decision.title, decision.outcome, result)


@use_case("decision.cancel", schema=schemas.NumberSchema)
def cancel(ctx: Ctx, data: dict) -> Cancelled:
    session = ctx.session
    decision = find_decision(session, ctx.consortium.id, data["number"], lock=True)
    _require_steward(ctx, decision)
    if decision.status != "open":
        raise Conflict(_l("Decision {n} is no longer open: nothing was changed.", n=decision.number))
    if session.scalar(select(DecisionBallot.id).where(DecisionBallot.decision_id == decision.id).limit(1)):
        raise Conflict(_l("Votes have already been cast on decision {n}: it can no longer be cancelled. Close it "
                          "with `/decision close {n}`.", n=decision.number))
    decision.status, decision.closed_at, decision.closed_by_id = "cancelled", ctx.now, ctx.actor.id
    audit(session, ctx.actor, "decision.cancel", consortium_id=decision.consortium_id, target_type=TARGET,
          target_id=decision.id, before={"status": "open"}, after={"status": "cancelled"})
    ctx.record(DecisionCancelled(decision.consortium_id, decision.id, decision.number, ctx.actor.username))
    return Cancelled(decision.number, decision.title)


# --- reading --------------------------------------------------------------------------------

@use_case("decision.list", schema=schemas.EmptySchema, read_only=True)
def list_open(ctx: Ctx, data: dict) -> Listing:
    _require_member(ctx)
    decisions = ctx.session.scalars(select(Decision).where(Decision.consortium_id == ctx.consortium.id,
                                                           Decision.status == "open").order_by(Decision.number))
    return Listing([card_of(ctx.session, decision) for decision in decisions])


@use_case("decision.history", schema=schemas.EmptySchema, read_only=True)
def history(ctx: Ctx, data: dict) -> History:
    _require_member(ctx)
    return History(list(ctx.session.scalars(
        select(Decision).where(Decision.consortium_id == ctx.consortium.id, Decision.status != "open")
        .order_by(Decision.closed_at.desc(), Decision.number.desc()).limit(HISTORY_SIZE))))


@use_case("decision.export", schema=schemas.EmptySchema)
def export(ctx: Ctx, data: dict) -> ExportQueued:
    """Record the request; the file is made when delivered (``delivery.export``), in the asker's language."""
    _require_member(ctx)
    consortium, actor = ctx.consortium, ctx.actor
    rows = ctx.session.scalar(select(func.count(Decision.id)).where(Decision.consortium_id == consortium.id)) or 0
    ctx.record(DecisionsExported(consortium.id, actor.username, actor.locale, ctx.now.isoformat()))
    audit(ctx.session, actor, "decision.export", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    return ExportQueued(rows)
