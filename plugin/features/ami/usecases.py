"""The AMI's use cases: open a call, answer it (chat form, public web form), read the results, form a
theme's consortium, close. Each returns an outcome (``outcomes.py``) and refuses with a ``Refusal``;
every change is audited.
"""
from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import func, select

from models import CallForInterest, CallResponse, Consortium
from plugin.dates import DateError, parse_date
from plugin.i18n import _l, get_locale
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound, Refusal
from plugin.kernel.usecase import Ctx, use_case
from plugin.schemas.fields import error_text, load_or_raise
from plugin.security import InvalidSignature

from plugin.features.ami import schemas
from plugin.features.ami.calls import (
    EDIT_LINK_MAX_AGE, EditLinkNeeded, answer_for_edit, call_by_form_token, call_by_id, calls_of, edit_bucket,
    is_accepting, latest_call, masked_email, open_call_of, respond, response_of, responses,
)
from plugin.features.ami.events import CallOpened, ChatAnswerNoted, EditLinkRequested
from plugin.features.ami.forming import candidates, column_of, email_lookup, form_consortium, interested_in
from plugin.features.ami.matrix import matrix
from plugin.features.ami.outcomes import (
    Answered, AnswerForm, Calls, Closed, EditLinkRefused, EditLinkSent, EditLinkUnavailable, Formed, FormChoice,
    FormNotFound,
    Opened, PublicEditLinkSent, PublicForm, PublicThanks, Results, ResultsFile,
)
from plugin.features.ideas.api import retained_titles

FORM_FIELDS = ("structure_name", "siae_type", "departement", "contact_name", "contact_email", "can_bring", "needs",
               "comment")


# --- opening and closing ------------------------------------------------------------------------

def _open(ctx: Ctx, data: dict) -> CallForInterest:
    current = open_call_of(ctx.session, ctx.network)
    if current is not None:
        raise Conflict(_l("The call “{title}” is still open: close it first with `/ami close`.",
                          title=current.title))
    if data["deadline"] <= ctx.now:
        raise Invalid(_l("The deadline must be in the future."))
    call = CallForInterest(network_id=ctx.network.id, title=data["title"], themes=list(data["themes"]),
                           deadline=data["deadline"], min_group_size=data.get("min_group_size") or 3,
                           opened_by_id=ctx.actor.id, formed={})
    ctx.session.add(call)
    ctx.session.flush()
    audit(ctx.session, ctx.actor, "ami.open", target_type="call", target_id=call.id,
          after={"title": call.title, "themes": call.themes})
    ctx.record(CallOpened(call_id=call.id))
    return call


def end_of_day(day, tz) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)


@use_case("ami.open", schema=schemas.OpenSchema, consortium="none")
def open_call(ctx: Ctx, data: dict) -> Opened:
    access.require_admin(ctx.actor)
    usage = schemas.usage_of("open")
    if not data["until"]:
        raise Invalid(_l("Give the deadline with --jusqu-au <date>."), usage=usage)
    try:
        day = parse_date(str(data["until"]), now=ctx.now, tz=ctx.tz)
    except DateError as error:
        raise Invalid(error.message, usage=usage) from None
    themes = data["themes"]
    if data.get("from_ideas"):   # the retained ideas of the network become the call's themes
        ideas = retained_titles(ctx.session, ctx.network.id)
        if not ideas:
            raise Invalid(_l("No idea is retained yet: retain some with `/idea retain <n>`."), usage=usage)
        themes = ", ".join([*([themes] if themes else []), *(i.replace(",", " ") for i in ideas)])
    if themes is None:
        raise Invalid(_l("Give the themes with --themes \"<a>, <b>, ...\"."), usage=usage)
    valid = load_or_raise(schemas.CallOpenSchema(), {"title": data["title"], "themes": themes,
                                                     "deadline": end_of_day(day, ctx.tz)}, usage=usage)
    return Opened(_open(ctx, valid), day)


@use_case("ami.open_page", schema=schemas.CallOpenSchema, consortium="none")
def open_call_from_page(ctx: Ctx, data: dict) -> Opened:
    """The admin page's form (its deadline already read by the page, in the network's zone)."""
    access.require_admin(ctx.actor)
    call = _open(ctx, data)
    return Opened(call, data["deadline"].astimezone(ctx.tz).date())


def _close(ctx: Ctx, call: CallForInterest | None) -> Closed:
    access.require_admin(ctx.actor)
    if call is None or call.status != "open":
        raise NotFound(_l("There is no open call to close."))
    call.status = "closed"
    call.closed_at = ctx.now
    count = ctx.session.scalar(select(func.count()).select_from(CallResponse)
                               .where(CallResponse.call_id == call.id)) or 0
    audit(ctx.session, ctx.actor, "ami.close", target_type="call", target_id=call.id, after={"responses": count})
    return Closed(call, count)


@use_case("ami.close", schema=schemas.NothingSchema, consortium="none")
def close_call(ctx: Ctx, data: dict) -> Closed:
    access.require_admin(ctx.actor)
    return _close(ctx, open_call_of(ctx.session, ctx.network))


@use_case("ami.close_page", schema=schemas.CallIdSchema, consortium="none")
def close_call_from_page(ctx: Ctx, data: dict) -> Closed:
    access.require_admin(ctx.actor)
    return _close(ctx, call_by_id(ctx.session, ctx.network, data["call_id"]))


# --- answering from the chat --------------------------------------------------------------------

@use_case("ami.respond_form", schema=schemas.NothingSchema, consortium="none", read_only=True)
def answer_form(ctx: Ctx, data: dict) -> AnswerForm:
    call = open_call_of(ctx.session, ctx.network)
    if call is None:
        raise NotFound(_l("There is no open call for expressions of interest at the moment."))
    if not is_accepting(call, ctx.now):
        raise Invalid(_l("The deadline of the call “{title}” has passed: answers are no longer accepted.",
                         title=call.title))
    return AnswerForm(call, ctx.actor.person, response_of(ctx.session, call, ctx.actor.person))


@use_case("ami.respond", schema=schemas.RespondDialogSchema, consortium="none")
def answer_from_chat(ctx: Ctx, data: dict) -> Answered | EditLinkSent | EditLinkUnavailable:
    call = call_by_id(ctx.session, ctx.network, data["call"])
    person = ctx.actor.person
    try:
        answer, created = respond(ctx.session, call, data, now=ctx.now, person=person, source="chat")
    except EditLinkNeeded as needed:
        outcome = _edit_link(ctx, call, needed.existing)
    else:
        outcome = Answered(call, answer, created)
    if ctx.channel_id and person.mattermost_user_id:
        if isinstance(outcome, Answered):
            kind, name = ("recorded" if outcome.created else "updated"), outcome.answer.structure_name
        else:
            kind = "edit_link_sent" if isinstance(outcome, EditLinkSent) else "edit_link_unavailable"
            name = outcome.existing.structure_name
        ctx.record(ChatAnswerNoted(channel_id=ctx.channel_id, user_id=person.mattermost_user_id,
                                   locale=ctx.actor.locale, outcome=kind, structure=name, title=call.title,
                                   masked=getattr(outcome, "masked", "")))
    return outcome


def _edit_link(ctx: Ctx, call: CallForInterest, existing: CallResponse) -> EditLinkSent | EditLinkUnavailable:
    """Another contact's answer: it changes only through the link sent to that contact's address."""
    if not ctx.runtime.settings.smtp_configured:
        return EditLinkUnavailable(call, existing)
    # The e-mail speaks the language of whoever asked (the runner has set it: the actor's, or the page's).
    ctx.record(EditLinkRequested(response_id=existing.id, email_key=existing.email_key, locale=get_locale(),
                                 bucket=edit_bucket(ctx.now)))
    return EditLinkSent(call, existing, masked_email(existing.contact_email))


# --- the public web form ------------------------------------------------------------------------

@use_case("ami.public_form", schema=schemas.PublicFormSchema, consortium="none")
def public_form(ctx: Ctx, data: dict):
    """The public form: shown (GET), or an answer sent (``submitted``): recorded, refused with its errors
    next to the fields, or — another contact's structure — a link to change it sent to that contact."""
    session = ctx.session
    call = call_by_form_token(session, data["token"])
    if call is None:
        return FormNotFound()
    accepting = is_accepting(call, ctx.now)
    edit, edited = data["edit"][:2000], None
    if edit:
        try:
            signed = ctx.runtime.signer.load("ami-edit", edit, max_age=EDIT_LINK_MAX_AGE)
        except InvalidSignature:
            return EditLinkRefused()
        edited = answer_for_edit(session, call, signed)
        if edited is None:
            return EditLinkRefused()
    page = dict(call=call, accepting=accepting, edit=edit if edited else "", edited=edited)
    form = data["submitted"]
    if form is None:
        if edited is None:
            return PublicForm(**page)
        values = {k: getattr(edited, k) or "" for k in FORM_FIELDS}
        ranks = {i: str(edited.themes.index(t) + 1) for i, t in enumerate(call.themes) if t in (edited.themes or [])}
        return PublicForm(**page, values=values, ranks=ranks)
    values = {k: str(form.get(k) or "") for k in FORM_FIELDS}
    ranks = {i: str(form.get(f"rank_{i}", "")) for i in range(len(call.themes))}
    page.update(values=values, ranks=ranks)
    if not accepting:
        return PublicForm(**page, status=403)
    raw = {"structure_name": values["structure_name"], "contact_name": values["contact_name"],
           "contact_email": values["contact_email"], "themes": ranked_themes(call, form)}
    for key in ("siae_type", "departement", "can_bring", "needs", "comment"):
        if values[key].strip():
            raw[key] = values[key]
    errors = {k: error_text(v) for k, v in schemas.ResponseSchema().validate(raw).items()}
    repeated = repeated_priority(call, form)
    if repeated:   # the person's ranking is kept as given, never rewritten: they choose again
        errors["themes"] = _l("Two themes have priority {n}: give each theme its own priority (1 = first choice).",
                              n=repeated)
    if errors:
        return PublicForm(**page, errors=errors, status=400)
    answer_data = schemas.ResponseSchema().load(raw)
    try:
        with session.begin_nested():
            answer, created = respond(session, call, answer_data, now=ctx.now, source="web",
                                      editing=edited.id if edited is not None else None)
    except EditLinkNeeded as needed:
        existing = needed.existing
        if not ctx.runtime.settings.smtp_configured:
            return PublicForm(**page, errors={"_": _l(
                "“{name}” has already answered this call. To change its answer, its contact can answer again "
                "from the chat (`/ami repondre`) or ask the network's facilitators.", name=existing.structure_name)},
                status=409)
        sent = _edit_link(ctx, call, existing)
        return PublicEditLinkSent(existing, sent.masked)
    except Refusal as error:
        page["accepting"] = is_accepting(call, ctx.now)
        return PublicForm(**page, errors={**error.lazy_fields, "_": error.lazy_message},
                          status=_status(error))
    return PublicThanks(call, answer, created, answer_data["themes"], masked_email(answer.contact_email))


def _status(error: Refusal) -> int:
    return {"invalid": 400, "not_found": 404, "forbidden": 403, "conflict": 409}.get(error.code, 400)


def repeated_priority(call: CallForInterest, form: dict) -> int | None:
    """The first priority the form gives to more than one theme, if any."""
    given = [str(form.get(f"rank_{index}", "")) for index in range(len(call.themes))]
    numbers = sorted(int(raw) for raw in given if _rank(raw, call))
    return next((n for n, following in zip(numbers, numbers[1:]) if n == following), None)


def _rank(raw: str, call: CallForInterest) -> bool:
    """A priority the form offers: 1 to the number of themes, in ASCII digits (nothing else is one)."""
    return raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(call.themes)


def ranked_themes(call: CallForInterest, form: dict) -> list[str]:
    ranked = []
    for index, theme in enumerate(call.themes):
        raw = str(form.get(f"rank_{index}", ""))
        if _rank(raw, call):
            ranked.append((int(raw), index, theme))
    return [theme for _r, _i, theme in sorted(ranked)]


# --- results and forming ------------------------------------------------------------------------

def _call_for_results(ctx: Ctx) -> CallForInterest:
    call = latest_call(ctx.session, ctx.network)
    if call is None:
        raise NotFound(_l("No call for expressions of interest yet. Open one with `/ami open`."))
    return call


@use_case("ami.results", schema=schemas.NothingSchema, consortium="none", read_only=True)
def results(ctx: Ctx, data: dict) -> Results:
    access.require_admin(ctx.actor)
    call = _call_for_results(ctx)
    return Results(call, matrix(ctx.session, call, shown_only=True))


@use_case("ami.results_page", schema=schemas.CallIdSchema, consortium="none", read_only=True)
def results_page(ctx: Ctx, data: dict) -> Results:
    access.require_admin(ctx.actor)
    call = call_by_id(ctx.session, ctx.network, data["call_id"], plain=True)
    view = matrix(ctx.session, call, shown_only=True)
    ids = [c.formed_id for c in view.themes if c.formed_id]
    slugs = dict(ctx.session.execute(select(Consortium.id, Consortium.slug).where(Consortium.id.in_(ids))).all()) \
        if ids else {}
    return Results(call, view, slugs)


@use_case("ami.results_file", schema=schemas.CallIdSchema, consortium="none", read_only=True)
def results_file(ctx: Ctx, data: dict) -> ResultsFile:
    access.require_admin(ctx.actor)
    call = call_by_id(ctx.session, ctx.network, data["call_id"])
    return ResultsFile(call, matrix(ctx.session, call))


@use_case("ami.calls", schema=schemas.NothingSchema, consortium="none", read_only=True)
def calls(ctx: Ctx, data: dict) -> Calls:
    access.require_admin(ctx.actor)
    call = open_call_of(ctx.session, ctx.network)
    answers = responses(ctx.session, call, limit=500) if call else []
    return Calls(call, answers, calls_of(ctx.session, ctx.network))


@use_case("ami.form", schema=schemas.FormSchema, consortium="none")
def form(ctx: Ctx, data: dict) -> Formed | FormChoice:
    access.require_admin(ctx.actor)
    theme = load_or_raise(schemas.FormThemeSchema(), {"theme": data["theme"]}, usage=schemas.usage_of("form"))["theme"]
    call = call_by_id(ctx.session, ctx.network, data["call_id"]) if data.get("call_id") is not None \
        else _call_for_results(ctx)
    return _form(ctx, call, theme, into_id=data.get("into"), new=data.get("new", False))


@use_case("ami.form_into", schema=schemas.FormButtonSchema, consortium="none")
def form_from_choice(ctx: Ctx, data: dict) -> Formed | FormChoice:
    """A button of the choice: join one of the theme's consortiums, or form a new one."""
    access.require_admin(ctx.actor)
    call = call_by_id(ctx.session, ctx.network, data["call_id"])
    return _form(ctx, call, data["theme"], into_id=data["into"] or None, new=not data["into"])


def _form(ctx: Ctx, call: CallForInterest, theme: str, *, into_id: int | None, new: bool) -> Formed | FormChoice:
    """Form the theme's consortium; when consortiums of the network already work on that theme, offer to
    join one of them first (unless the admin chose already: ``into_id``, or ``new``)."""
    column_theme = column_of(call, theme)
    interested = interested_in(ctx.session, call, column_theme)
    others = candidates(ctx.session, ctx.network, call, column_theme)
    into = None
    if into_id is not None:
        into = next((c for c in others if c.id == into_id), None)
        if into is None:
            raise NotFound(_l("This consortium is archived or no longer exists: form the theme's consortium again."))
    elif others and not new:
        return FormChoice(call, column_theme, others, len(interested))
    client = ctx.runtime.mattermost(interactive=True)
    outcome = form_consortium(ctx.session, ctx.network, ctx.actor, call, column_theme, interested,
                              directory=ctx.directory, caldav_enabled=ctx.runtime.settings.caldav_configured,
                              into=into, apart_from=others,
                              lookup_email=email_lookup(client) if client is not None else None)
    return Formed(call, outcome, joined=into is not None)
