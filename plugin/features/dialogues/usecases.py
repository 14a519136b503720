"""The dialogues' use cases: `/dialogue` (one thread per consortium × foundation × subject, with its
stage and next step) and the foundations (`/consortium fondation`, the API, the import).

Each returns an outcome (``outcomes.py``), records what the thread and the channel must hear of
(``events.py``), and refuses with a ``Refusal``. Every change is audited.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from models import DIALOGUE_STAGES, DialogueEvent, FoundationDialogue, Organisation
from plugin.dates import DateError, parse_date, validate_future
from plugin.i18n import _l, deferred, render
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.lookup import consortia_of, consortium_for
from plugin.kernel.numbers import next_number
from plugin.kernel.text import typed
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.dialogues import schemas
from plugin.features.dialogues.events import DialogueOpened, NextStepSet, StageChanged
from plugin.features.dialogues.foundations import (
    find_foundation, foundation_of, list_foundations, representatives, save_foundation, set_representatives,
)
from plugin.features.dialogues.outcomes import (
    AdminHint, ConsortiumDialogues, DialoguePage, FoundationAdded, FoundationDialogues, FoundationFound,
    Foundations, FoundationSaved, Imported, NetworkDialogues, NextStepRecorded, Opened, RepresentativesChanged,
    StageSet, Summary,
)
from plugin.features.dialogues.threads import (
    COUNTER, MAX_ROWS, TRANSITIONS, dialogue_channel_name, history, list_for_consortium, list_for_foundation,
    network_list, require_full, require_scope, resolve, snapshot, stage_label, touch,
)

MAX_OFFSET = 1_000_000_000  # past any real list, within every database's integers


# --- changing a dialogue ----------------------------------------------------------------------

def _permalink(ctx: Ctx, post_id: str | None) -> str:
    settings = ctx.runtime.settings
    team = ((ctx.network.team_name if ctx.network is not None else "") or settings.mattermost_team or "").strip()
    if not (settings.mattermost_url and team and post_id):
        return ""
    return f"{settings.mattermost_url.rstrip('/')}/{team}/pl/{post_id}"


@use_case("dialogue.open", schema=schemas.OpenDialogueSchema)
def open_dialogue(ctx: Ctx, data: dict) -> Opened:
    session, consortium = ctx.session, ctx.consortium
    access.require_active(consortium)
    require_full(ctx, _l("open a dialogue"))
    foundation = find_foundation(session, ctx.network, data["foundation"])
    from plugin.kernel.text import slugify

    key = slugify(data["subject"])[:300]
    existing = session.scalar(select(FoundationDialogue).where(
        FoundationDialogue.consortium_id == consortium.id, FoundationDialogue.foundation_id == foundation.id,
        FoundationDialogue.subject_key == key, FoundationDialogue.closed_at.is_(None)))
    if existing is not None:
        message = _l("A dialogue with {foundation} on this subject is already open: no. {n} (stage “{stage}”). "
                     "Continue in its thread.", foundation=typed(foundation.short_name), n=existing.number,
                     stage=stage_label(existing.stage))
        link = _permalink(ctx, existing.root_post_id)
        raise Conflict(deferred(lambda: render(message) + " " + link) if link else message)
    dialogue = FoundationDialogue(consortium_id=consortium.id, number=next_number(session, consortium.id, COUNTER),
                                  foundation_id=foundation.id, subject=data["subject"], subject_key=key,
                                  stage="premier-contact", opened_by_id=ctx.actor.id, opened_at=ctx.now,
                                  last_activity_at=ctx.now)
    session.add(dialogue)
    session.flush()
    session.add(DialogueEvent(dialogue_id=dialogue.id, kind="opened", to_stage="premier-contact",
                              text=data["subject"], by_person_id=ctx.actor.id, at=ctx.now))
    audit(session, ctx.actor, "dialogue.open", consortium_id=consortium.id, target_type="dialogue",
          target_id=dialogue.id, after={**snapshot(dialogue), "foundation": foundation.short_name,
                                        "subject": dialogue.subject})
    touch(dialogue, consortium, ctx.now)
    reps = [p.username for p in representatives(session, foundation.id)]
    ctx.record(DialogueOpened(consortium.id, dialogue.id, dialogue.number, ctx.actor.username,
                              has_representative=bool(reps)))
    return Opened(dialogue.number, foundation.name, foundation.short_name, dialogue.subject,
                  dialogue_channel_name(consortium), reps)


def _change_stage(ctx: Ctx, dialogue: FoundationDialogue, stage: str) -> StageSet:
    consortium = ctx.consortium
    access.require_active(consortium)
    before = dialogue.stage
    if stage == before:
        raise Conflict(_l("Dialogue no. {n} is already at the stage “{stage}”.", n=dialogue.number,
                          stage=stage_label(stage)))
    allowed = TRANSITIONS.get(before, ())
    if stage not in allowed:
        if allowed:
            raise Invalid(_l("Dialogue no. {n} cannot go from “{before}” to “{after}”. From “{before}”, the next "
                             "stages are: {allowed}.", n=dialogue.number, before=stage_label(before),
                             after=stage_label(stage), allowed=", ".join(allowed)))
        raise Invalid(_l("Dialogue no. {n} is closed: its stage no longer changes. Open a new dialogue if the "
                         "conversation starts again.", n=dialogue.number))
    dialogue.stage = stage
    if stage == "clos":
        dialogue.closed_at = ctx.now
    ctx.session.add(DialogueEvent(dialogue_id=dialogue.id, kind="closed" if stage == "clos" else "stage",
                                  from_stage=before, to_stage=stage, by_person_id=ctx.actor.id, at=ctx.now))
    audit(ctx.session, ctx.actor, "dialogue.close" if stage == "clos" else "dialogue.stage",
          consortium_id=consortium.id, target_type="dialogue", target_id=dialogue.id, before={"stage": before},
          after={"stage": stage})
    touch(dialogue, consortium, ctx.now)
    ctx.record(StageChanged(consortium.id, dialogue.id, dialogue.number, ctx.actor.username, before, stage))
    return StageSet(dialogue.number, stage)


@use_case("dialogue.stage", schema=schemas.StageChangeSchema)
def change_stage(ctx: Ctx, data: dict) -> StageSet:
    scope = require_full(ctx, _l("change a dialogue's stage"))
    return _change_stage(ctx, resolve(ctx, scope, data["number"]), data["stage"])


@use_case("dialogue.close", schema=schemas.NumberSchema)
def close(ctx: Ctx, data: dict) -> StageSet:
    scope = require_full(ctx, _l("close a dialogue"))
    return _change_stage(ctx, resolve(ctx, scope, data["number"]), "clos")


@use_case("dialogue.next", schema=schemas.NextStepSchema)
def next_step(ctx: Ctx, data: dict) -> NextStepRecorded:
    consortium = ctx.consortium
    dialogue = resolve(ctx, require_scope(ctx), data["number"])
    try:
        when = parse_date(data["date"], now=ctx.now, tz=ctx.tz)
        validate_future(when, now=ctx.now, tz=ctx.tz)
    except DateError as error:
        raise Invalid(error.message) from None
    access.require_active(consortium)
    if dialogue.closed_at is not None:
        raise Invalid(_l("Dialogue no. {n} is closed: it has no next step any more.", n=dialogue.number))
    before = snapshot(dialogue)
    dialogue.next_step_date = when
    dialogue.next_step_action = data["action"]
    dialogue.reminder_sent_for = None
    ctx.session.add(DialogueEvent(dialogue_id=dialogue.id, kind="next-step",
                                  text=f"{when.isoformat()}\t{data['action']}", by_person_id=ctx.actor.id,
                                  at=ctx.now))
    audit(ctx.session, ctx.actor, "dialogue.next_step", consortium_id=consortium.id, target_type="dialogue",
          target_id=dialogue.id, before=before, after=snapshot(dialogue))
    touch(dialogue, consortium, ctx.now)
    ctx.record(NextStepSet(consortium.id, dialogue.id, dialogue.number, ctx.actor.username, when.isoformat(),
                           data["action"]))
    return NextStepRecorded(dialogue.number, when)


# --- reading ----------------------------------------------------------------------------------

def _thread_replies(ctx: Ctx, root_post_id: str | None) -> tuple[int, datetime | None] | None:
    """(number of replies, time of the last one) from Mattermost, or None when it cannot say.

    The only outbound call of /dialogue on the request path: the thread's people talk in
    Mattermost, not through Consortia; short timeout, no retry.
    """
    if not root_post_id:
        return 0, None
    client = ctx.runtime.mattermost(interactive=True)
    if client is None or not hasattr(client, "get_thread"):
        return None
    try:
        thread = client.get_thread(root_post_id)
    except Exception:
        return None
    posts = [p for pid, p in (thread.get("posts") or {}).items() if pid != root_post_id and not p.get("delete_at")]
    if not posts:
        return 0, None
    last = max(p.get("create_at", 0) for p in posts)
    return len(posts), datetime.fromtimestamp(last / 1000, tz=timezone.utc)


@use_case("dialogue.summary", schema=schemas.NumberSchema, read_only=True)
def summary(ctx: Ctx, data: dict) -> Summary:
    dialogue = resolve(ctx, require_scope(ctx), data["number"])
    return Summary(ctx.consortium, dialogue, ctx.session.get(Organisation, dialogue.foundation_id),
                   history(ctx.session, dialogue), _thread_replies(ctx, dialogue.root_post_id))


@use_case("dialogue.list", schema=schemas.ListSchema, consortium="none", read_only=True)
def list_dialogues(ctx: Ctx, data: dict):
    """The channel's (or `--consortium`'s) dialogues; `--all`: the network's (admins)."""
    if data["all"]:
        access.require_admin(ctx.actor)
        return NetworkDialogues(network_list(ctx.session, ctx.network, limit=MAX_ROWS))
    person_id = ctx.actor.id
    if data["consortium"]:
        slug = data["consortium"][:64]
        found = consortium_for(ctx.session, slug=slug, person_id=person_id)
        if found is None:
            raise NotFound(_l("There is no consortium “{slug}”.", slug=slug))
    else:
        found = consortium_for(ctx.session, channel_id=ctx.channel_id, person_id=person_id)
    if found is None:
        return _outside_consortium(ctx)
    consortium, membership = found
    scope = require_scope(ctx, consortium, membership)
    return ConsortiumDialogues(consortium, list_for_consortium(ctx.session, consortium, scope))


def _outside_consortium(ctx: Ctx):
    """Outside a consortium's channels: a representative sees their foundation's dialogues everywhere."""
    foundation = foundation_of(ctx.session, ctx.actor.person)
    if foundation is not None:
        return FoundationDialogues(foundation, list_for_foundation(ctx.session, foundation.id, limit=MAX_ROWS))
    mine = consortia_of(ctx.session, ctx.actor.person)
    if not mine:
        if ctx.actor.is_admin:
            return AdminHint()
        raise Forbidden(_l("This channel is not a consortium's channel, and you do not take part in any "
                           "consortium's dialogues."))
    listing = ", ".join(f"`{c.slug}`" for c in mine[:20])
    raise Invalid(_l("This channel is not a consortium's channel. Use the command in your consortium's channel or "
                     "its dialogue channel, or add `--consortium <slug>`. Your consortiums: {listing}.",
                     listing=listing), usage=_l("For example: `/dialogue list --consortium {slug}`", slug=mine[0].slug))


@use_case("dialogue.api_list", schema=schemas.DialoguesQuery, consortium="none", read_only=True)
def api_list(ctx: Ctx, data: dict) -> DialoguePage:
    """GET /api/v1/dialogues: a page, filtered, with the count per stage."""
    limit = min(max(data["limit"] or 50, 1), 500)
    offset = min(max(data["offset"] or 0, 0), MAX_OFFSET)
    stage = data["stage"] or None
    if stage is not None and stage not in DIALOGUE_STAGES:
        unknown = _l("“{value}” is not one of: {choices}.", value=stage[:40], choices=", ".join(DIALOGUE_STAGES))
        raise Invalid(unknown, fields={"stage": unknown})
    page = network_list(ctx.session, ctx.network, limit=limit, offset=offset,
                        consortium_slug=(data["consortium"] or "")[:64] or None,
                        foundation=(data["foundation"] or "")[:64] or None, stage=stage, open_only=data["open"])
    return DialoguePage(page, limit, offset)


# --- foundations ------------------------------------------------------------------------------

@use_case("dialogue.foundation_list", schema=schemas.NoInput, consortium="none", read_only=True)
def foundations(ctx: Ctx, data: dict) -> Foundations:
    if ctx.actor is not None:
        access.require_admin(ctx.actor)
    return Foundations(list_foundations(ctx.session, ctx.network))


@use_case("dialogue.foundation_add", schema=schemas.FoundationSchema, consortium="none")
def add_foundation(ctx: Ctx, data: dict) -> FoundationAdded:
    foundation, _created = save_foundation(ctx.session, ctx.network, ctx.actor, data)
    return FoundationAdded(foundation)


@use_case("dialogue.foundation_representatives", schema=schemas.RepresentativeSchema, consortium="none")
def change_representatives(ctx: Ctx, data: dict) -> RepresentativesChanged:
    if ctx.actor is not None:
        access.require_admin(ctx.actor)
    found = find_foundation(ctx.session, ctx.network, data["foundation"])
    return set_representatives(ctx, found, data["users"], remove=data["remove"])


def _upsert(ctx: Ctx, data: dict) -> tuple[Organisation, bool, int]:
    """Record or update a foundation and add the representatives it names (the API, the import)."""
    foundation, created = save_foundation(ctx.session, ctx.network, None, data, upsert=True)
    known = {p.username for p in representatives(ctx.session, foundation.id)}
    wanted = [u for u in data.get("representatives", []) if u not in known]
    if wanted:
        set_representatives(ctx, foundation, wanted)
    return foundation, created, len(wanted)


@use_case("dialogue.foundation_save", schema=schemas.FoundationImportSchema, consortium="none")
def save(ctx: Ctx, data: dict) -> FoundationSaved:
    foundation, created, _added = _upsert(ctx, data)
    row = list_foundations(ctx.session, ctx.network, short_name=foundation.short_name)[0]
    return FoundationSaved(row, created)


@use_case("dialogue.foundation_get", schema=schemas.ShortNameQuery, consortium="none", read_only=True)
def get_foundation(ctx: Ctx, data: dict) -> FoundationFound:
    rows = list_foundations(ctx.session, ctx.network, short_name=data["short_name"][:64])
    return FoundationFound(rows[0] if rows else None)


@use_case("dialogue.foundation_import", schema=schemas.ImportSchema, consortium="none")
def import_foundations(ctx: Ctx, data: dict) -> Imported:
    """Foundations from parsed CSV/YAML rows (idempotent: existing ones are updated); a bad row is reported
    and the others are recorded."""
    from marshmallow import ValidationError

    from plugin.schemas.fields import error_text

    summary = Imported()
    for index, raw in enumerate(data["rows"], start=1):
        try:
            with ctx.session.begin_nested():
                try:
                    row = schemas.FoundationImportSchema().load(raw)
                except ValidationError as error:
                    raise Invalid(error_text(error.messages)) from None
                _foundation, created, added = _upsert(ctx, row)
                summary.created += created
                summary.updated += not created
                summary.representatives += added
        except (Invalid, NotFound, Conflict) as error:
            summary.errors.append((f"#{index} ({raw.get('short_name') or raw.get('name') or '?'})",
                                   error.lazy_message))
    return summary

