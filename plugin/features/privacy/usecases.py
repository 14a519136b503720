"""Personal data: anyone gets a copy of theirs; the network's operators (API, CLI) export or erase
anyone's, named by Mattermost user id or by a @username Mattermost resolves."""
from __future__ import annotations

from plugin.kernel.usecase import Ctx, use_case

from plugin.features.privacy import schemas
from plugin.features.privacy.events import CopyRequested
from plugin.features.privacy.outcomes import CopyQueued, Erased, Exported
from plugin.features.privacy.people import erase_person, export_person, find_person


@use_case("privacy.my_data", schema=schemas.NoInput, consortium="none")
def my_data(ctx: Ctx, data: dict) -> CopyQueued:
    person = ctx.actor.person
    ctx.record(CopyRequested(person_id=person.id, user_id=person.mattermost_user_id))
    return CopyQueued()


@use_case("privacy.export", schema=schemas.PersonSchema, consortium="none", read_only=True)
def export(ctx: Ctx, data: dict) -> Exported:
    person = find_person(ctx.session, ctx.network, ctx.directory, data["user"][:65])
    return Exported(export_person(ctx.session, person))


@use_case("privacy.erase", schema=schemas.PersonSchema, consortium="none")
def erase(ctx: Ctx, data: dict) -> Erased:
    person = find_person(ctx.session, ctx.network, ctx.directory, data["user"][:65])
    return Erased(erase_person(ctx.session, ctx.actor, person, ctx.now))
