"""/engagement (/commitment): the commitments register, by command and by dialog."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from marshmallow import ValidationError

from integrations.mattermost import messages
from integrations.mattermost.messages import escape_markdown
from models import COMMITMENT_TYPES, Consortium
from plugin.commands.legacy import (
    CommandContext, DialogResult, InteractionContext, dialog, handles, open_dialog, reply_from as _reply, usage as _usage,
)
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.dates import format_date, format_short
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.fields import field_errors
from plugin.schemas.registers import UNITS, CommitmentSchema, NumberSchema, StatusSchema
from plugin.kernel import access
from plugin.services import commitments, organisations
from plugin.kernel.errors import Refusal
from plugin.kernel.outbox import queue

T = "engagement"
DIALOG = "commitment.add"




def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|")


# --- add: by command, or a dialog when no argument is given -----------------------------------

@handles(T, "add")
def add(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    if not cmd.values or set(cmd.values) <= {"consortium"}:
        access.require_active(consortium)
        access.require_member(ctx.session, ctx.actor, consortium)
        _open_form(ctx, consortium)
        return Reply(_("The form is open: fill it in and press “{label}”.", label=_("Record")))
    data = load_or_raise(CommitmentSchema(now=ctx.now, tz=ctx.tz), {
        "target": cmd.get("target"), "description": cmd.get("what"), "kind": cmd.get("type"),
        "amount": cmd.get("amount"), "due": cmd.get("due"),
    }, usage=_usage(cmd))
    return _reply(commitments.add(ctx.session, ctx.network, ctx.actor, consortium, data,
                                  directory=ctx.services.directory))


def _open_form(ctx: CommandContext, consortium: Consortium) -> None:
    options = [(f"@{ctx.actor.username} — " + _("myself"), f"@{ctx.actor.username}")]
    for org in organisations.list_organisations(ctx.session, ctx.network, consortium_id=consortium.id):
        options.append((f"{org.short_name} — {org.name}"[:80], org.short_name))
    if ctx.actor.is_admin or access.is_lead(ctx.session, consortium, ctx.actor.person):
        from plugin.features.consortium.api import members

        for membership in members(ctx.session, consortium):
            value = f"@{membership.person.username}"
            if value != options[0][1]:
                options.append((value, value))
    unit_labels = {"heures": _("hours"), "jours": _("days"), "euros": _("euros (€)"), "unites": _("units")}
    elements = [
        messages.select_element("target", _("Who commits"), options, default=options[0][1],
                                help_text=_("An organisation of the consortium, or a person.")),
        messages.select_element("kind", _("Type"), [(commitments.type_label(k), k) for k in COMMITMENT_TYPES],
                                default="temps"),
        messages.textarea_element("description", _("What"), max_length=500,
                                  placeholder=_("Running the workshops, lending the van…")),
        messages.text_element("amount", _("Amount"), optional=True, max_length=30, placeholder="1 500,50",
                              help_text=_("A number; French decimals (1 500,50) are fine.")),
        messages.select_element("unit", _("Unit"), [(unit_labels[u], u) for u in UNITS], optional=True),
        messages.text_element("due", _("Due date"), optional=True, max_length=40, placeholder="31/03/2027",
                              help_text=_("For example 31/03, 2027-03-31 or “dans 2 semaines”.")),
    ]
    open_dialog(ctx.services, ctx.request.trigger_id, callback=DIALOG, title=_("New commitment"),
                elements=elements, state={"consortium_id": consortium.id}, submit_label=_("Record"), actor=ctx.actor,
                network=ctx.network, consortium=consortium,
                introduction=_("Commitment to the consortium “{name}”.", name=escape_markdown(consortium.name)))


@dialog(DIALOG)
def submitted(ctx: InteractionContext) -> DialogResult:
    submission = ctx.data.get("submission") or {}
    consortium = ctx.session.get(Consortium, ctx.data.get("consortium_id"))
    if consortium is None:
        return DialogResult(error=_("This consortium no longer exists."))
    fields = ("target", "description", "kind", "amount", "unit", "due")
    raw = {name: submission.get(name) for name in fields}
    raw = {k: (v if isinstance(v, str) else (None if v is None else str(v))) for k, v in raw.items()}
    missing = {name: _("This field is required.") for name in ("target", "description")
               if not (raw.get(name) or "").strip()}
    try:
        data = CommitmentSchema(now=_now(), tz=ZoneInfo(consortium.timezone)).load(
            {k: v for k, v in raw.items() if v not in (None, "")})
    except ValidationError as error:
        errors = {k: v for k, v in field_errors(error.messages).items() if k in fields}
        errors.update(missing)
        return DialogResult(errors=errors or {"description": " ".join(field_errors(error.messages).values())})
    if missing:
        return DialogResult(errors=missing)
    try:
        result = commitments.add(ctx.session, ctx.network, ctx.actor, consortium, data,
                                 directory=ctx.services.directory)
    except Refusal as error:
        field = "target" if error.code in ("not_found", "forbidden") else None
        if field:
            return DialogResult(errors={field: error.message})
        raise
    queue(ctx.session, "mattermost.post", {"consortium_id": consortium.id, "message": result.news},
          consortium_id=consortium.id)
    return DialogResult()


def _now():
    from models import utcnow

    return utcnow()


# --- reading -----------------------------------------------------------------------------------

@handles(T, "list")
def list_commitments(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    listing = commitments.listing(ctx.session, ctx.network, consortium, organisation=cmd.get("organisation"))
    if not listing.items:
        if cmd.get("organisation"):
            return Reply(_("No commitment from {org} yet.", org=escape_markdown(cmd.get("organisation"))))
        return Reply(_("No commitment yet. Record one with `/engagement add` (a form opens) or "
                       "`/engagement add ACI-Lyon \"Running the workshops\" --amount 10 days`."))
    title = _("#### Commitments of {name}", name=escape_markdown(consortium.name))
    if cmd.get("organisation"):
        title += " — " + escape_markdown(cmd.get("organisation"))
    lines = [title, "", _("| # | Who | What | Type | Amount | Due | Status |"), "|---|---|---|---|---|---|---|"]
    for view in listing.items:
        c = view.commitment
        due = _short_date(c.due_date, ctx.locale) if c.due_date else "—"
        if c.due_date and c.due_date < ctx.now.astimezone(ctx.tz).date() and c.status in commitments.OPEN_STATUSES:
            due = f"⚠️ {due}"
        lines.append(f"| {c.number} | {_cell(view.holder)} | {_cell(escape_markdown(c.description))} | "
                     f"{commitments.type_label(c.kind)} | {commitments.format_amount(c.amount, c.unit) or '—'} | "
                     f"{due} | {commitments.STATUS_ICONS[c.status]} {commitments.status_label(c.status)} |")
    lines += ["", _("**Totals** (abandoned commitments not counted)")]
    lines += [_("- by type: {totals}", totals=_totals(listing.by_type, by_type=True) or "—")]
    lines += [_("- by organisation: {totals}", totals=_totals(listing.by_organisation) or "—")]
    return Reply("\n".join(lines))


@lru_cache(maxsize=2048)
def _short_date(day, locale: str) -> str:
    return format_short(day, locale=locale)


def _totals(totals: dict, *, by_type: bool = False) -> str:
    parts = []
    for key, total in totals.items():
        name = commitments.type_label(key) if by_type else escape_markdown(key) if not key.startswith("@") else key
        amounts = total.text()
        count = ngettext("{n} commitment", "{n} commitments", total.count)
        parts.append(f"**{name}** {amounts} ({count})" if amounts else f"**{name}** ({count})")
    return " · ".join(parts)


@handles(T, "history")
def history(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NumberSchema(), {"number": cmd.get("number")}, usage=_usage(cmd))
    commitment, entries = commitments.history(ctx.session, ctx.actor, ctx.require_consortium(), data["number"])
    lines = [_("#### Commitment #{n}: {what}", n=commitment.number, what=escape_markdown(commitment.description))]
    if commitment.deleted_at is not None:
        lines.append(_("_Withdrawn from the register._"))
    for entry in entries:
        when = format_date(entry.at.astimezone(ctx.tz), with_time=True)
        if entry.action == "commitment.add":
            what = _("recorded")
        elif entry.action == "commitment.status":
            what = _("status “{before}” → “{after}”",
                     before=commitments.status_label((entry.before or {}).get("status", "")),
                     after=commitments.status_label((entry.after or {}).get("status", "")))
        elif entry.action == "commitment.drop":
            what = _("withdrawn")
        else:
            what = escape_markdown(entry.action)
        lines.append(f"- {when} — @{entry.actor}: {what}")
    return Reply("\n".join(lines))


# --- changing ----------------------------------------------------------------------------------

@handles(T, "status")
def status(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(StatusSchema(), {"number": cmd.get("number"), "status": cmd.get("status")},
                         usage=_usage(cmd))
    return _reply(commitments.change_status(ctx.session, ctx.actor, ctx.require_consortium(), data["number"],
                                            data["status"]))


@handles(T, "done")
def done(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NumberSchema(), {"number": cmd.get("number")}, usage=_usage(cmd))
    return _reply(commitments.change_status(ctx.session, ctx.actor, ctx.require_consortium(), data["number"],
                                            "tenu"))


@handles(T, "drop")
def drop(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NumberSchema(), {"number": cmd.get("number")}, usage=_usage(cmd))
    return _reply(commitments.drop(ctx.session, ctx.actor, ctx.require_consortium(), data["number"]))


@handles(T, "export")
def export(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    result = commitments.export(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(),
                                semicolon=bool(cmd.get("semicolon")), tz=ctx.tz)
    return Reply(result.message)
