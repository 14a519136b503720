"""Everything the registers say, in the reader's language: replies to `/role` and `/engagement`, the
commitment form, the group's news, the reminders, the weekly digest's lines, the CSV files and the
JSON API's bodies.

Called by the front door (replies, JSON) and by the deliverers (news, reminders, exports) with the
language of whoever reads: the asker, the channel, or the person a direct message is for.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from integrations.mattermost import messages
from integrations.mattermost.messages import escape_markdown
from models import COMMITMENT_TYPES, BUILTIN_ROLES
from plugin.dates import format_date, format_short
from plugin.exports import to_csv
from plugin.i18n import _, get_locale, ngettext
from plugin.rendering.reply import Form, Reply
from plugin.rendering.view import View

from plugin.features.registers import outcomes as out
from plugin.features.registers.buttons import ADD
from plugin.features.registers.commitments import OPEN_STATUSES, UNIT_ORDER, Totals, as_dicts
from plugin.features.registers.labels import STATUS_ICONS, status_label, type_label
from plugin.features.registers.roles import LEAD, Holder, as_dicts as role_dicts
from plugin.features.registers.schemas import (
    UNITS, CommitmentsOutSchema, RolesOutSchema,
)


# --- shared pieces ----------------------------------------------------------------------------

def holder_label(holder: Holder) -> str:
    """``@ines``, ``ACI-Lyon`` or ``@ines (ACI-Lyon)``, escaped for Markdown."""
    org = escape_markdown(holder.organisation) if holder.organisation else None
    if holder.person and org:
        return f"@{holder.person} ({org})"
    if holder.person:
        return f"@{holder.person}"
    return org or "—"


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


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


def totals_text(totals: Totals) -> str:
    return ", ".join(format_amount(v, u) for u, v in totals.ordered())


def summary_line(number: int, holder: Holder, description: str, kind: str, amount: Decimal | None,
                 unit: str | None, due: date | None) -> str:
    head = f"**#{number}** {holder_label(holder)} — {escape_markdown(description)}"
    parts = [head, type_label(kind)]
    if amount is not None:
        parts.append(format_amount(amount, unit))
    if due:
        parts.append(_("due {date}", date=format_short(due)))
    return " · ".join(parts)


def commitment_line(commitment, holder: Holder) -> str:
    return summary_line(commitment.number, holder, commitment.description, commitment.kind, commitment.amount,
                        commitment.unit, commitment.due_date)


# --- /role --------------------------------------------------------------------------------------

def roles(outcome: out.Roles, view: View) -> Reply:
    holders: dict[str, list[str]] = {}
    for assignment in outcome.assignments:
        holders.setdefault(assignment.role.key, []).append(holder_label(assignment.holder))
    lines = [_("#### Roles of {name}", name=escape_markdown(outcome.consortium)), "",
             _("| Role | Held by | What it means |"), "|---|---|---|"]
    for role in outcome.roles:
        label_text = str(role.label)
        label = f"**{_cell(escape_markdown(label_text))}**" + (f" `{role.key}`" if role.key != label_text else "")
        held = ", ".join(holders.get(role.key, [])) or "—"
        description = _cell(escape_markdown(str(role.description))) or (_("custom role") if role.custom else "")
        lines.append(f"| {label} | {_cell(held)} | {description} |")
    if not holders.get(LEAD):
        lines.append("")
        lines.append(_("No lead partner yet: an admin can name one with `/role assign chef-de-file <organisation>`."))
    return Reply("\n".join(lines))


def role_given(outcome: out.RoleGiven, view: View) -> Reply:
    holder, role = holder_label(outcome.holder), str(outcome.role.label)
    if outcome.replaced:
        text = _("🎭 {holder} becomes “{role}”, replacing {previous} (@{actor}).", holder=holder, role=role,
                 previous=", ".join(holder_label(h) for h in outcome.replaced), actor=outcome.actor)
    else:
        text = _("🎭 {holder} now holds the role “{role}” (@{actor}).", holder=holder, role=role, actor=outcome.actor)
    return Reply(text, in_channel=True)


def role_taken(outcome: out.RoleTaken, view: View) -> Reply:
    text = _("🎭 {holder} no longer holds the role “{role}” (@{actor}).",
             holder=", ".join(holder_label(h) for h in outcome.holders), role=str(outcome.role.label),
             actor=outcome.actor)
    if outcome.lead:
        text += " " + _("The consortium has no lead partner for now.")
    return Reply(text, in_channel=True)


def roles_history(outcome: out.RolesHistory, view: View) -> Reply:
    if not outcome.events:
        return Reply(_("No role has been given yet in “{name}”.", name=escape_markdown(outcome.consortium)))
    lines = [_("#### Roles history of {name}", name=escape_markdown(outcome.consortium))]
    for event in outcome.events:
        assignment = event.view
        when = format_date(event.at.astimezone(view.tz), with_time=True)
        holder = holder_label(assignment.holder)
        role = escape_markdown(str(assignment.role.label))
        by = f"@{event.by}" if event.by else "—"
        if event.kind == "assigned":
            lines.append(_("- {when}: {holder} receives the role “{role}” (by {by})",
                           when=when, holder=holder, role=role, by=by))
        else:
            lines.append(_("- {when}: {holder} leaves the role “{role}” (by {by})",
                           when=when, holder=holder, role=role, by=by))
    return Reply("\n".join(lines))


def export_queued(outcome: out.ExportQueued, view: View) -> Reply:
    if outcome.register == "roles":
        return Reply(ngettext("The CSV export ({n} row) will be attached in the channel in a moment.",
                              "The CSV export ({n} rows) will be attached in the channel in a moment.", outcome.rows))
    return Reply(ngettext("The CSV export ({n} commitment) will be attached in the channel in a moment.",
                          "The CSV export ({n} commitments) will be attached in the channel in a moment.",
                          outcome.rows))


def kind_label(organisation) -> str:
    labels = {"siae": _("SIAE"), "foundation": _("foundation"), "fund": _("endowment fund"),
              "network": _("network"), "other": _("other")}
    label = labels.get(organisation.kind, organisation.kind)
    details = [d for d in (organisation.siae_type, organisation.departement) if d]
    return label + (f" ({', '.join(details)})" if details else "")


def organisations(outcome: out.Organisations, view: View) -> Reply:
    rows = outcome.rows
    if not rows:
        return Reply(_("No organisation yet. An admin adds one with "
                       "`/role organisation add ACI-Lyon \"Lyon inclusion workshop\" --siae ACI "
                       "--department 69`."))
    lines = [ngettext("**{n} organisation** in the network:", "**{n} organisations** in the network:", len(rows))]
    for org in rows[:200]:
        lines.append(f"- **{escape_markdown(org.short_name)}** — {escape_markdown(org.name)} · {kind_label(org)}")
    if len(rows) > 200:
        lines.append(_("… and {n} more.", n=len(rows) - 200))
    return Reply("\n".join(lines))


def organisation_added(outcome: out.OrganisationAdded, view: View) -> Reply:
    org = outcome.organisation
    return Reply("✅ " + _("Organisation “{short}” ({name}) recorded.", short=escape_markdown(org.short_name),
                           name=escape_markdown(org.name)))


# --- /engagement --------------------------------------------------------------------------------

def commitment_form(outcome: out.CommitmentForm, view: View) -> Reply:
    mine = f"@{outcome.actor}"
    options = [(f"{mine} — " + _("myself"), mine)]
    options += [(f"{short} — {name}"[:80], short) for short, name in outcome.organisations]
    options += [(f"@{username}", f"@{username}") for username in outcome.members if f"@{username}" != mine]
    unit_labels = {"heures": _("hours"), "jours": _("days"), "euros": _("euros (€)"), "unites": _("units")}
    elements = [
        messages.select_element("target", _("Who commits"), options, default=mine,
                                help_text=_("An organisation of the consortium, or a person.")),
        messages.select_element("kind", _("Type"), [(type_label(k), k) for k in COMMITMENT_TYPES], default="temps"),
        messages.textarea_element("description", _("What"), max_length=500,
                                  placeholder=_("Running the workshops, lending the van…")),
        messages.text_element("amount", _("Amount"), optional=True, max_length=30, placeholder="1 500,50",
                              help_text=_("A number; French decimals (1 500,50) are fine.")),
        messages.select_element("unit", _("Unit"), [(unit_labels[u], u) for u in UNITS], optional=True),
        messages.text_element("due", _("Due date"), optional=True, max_length=40, placeholder="31/03/2027",
                              help_text=_("For example 31/03, 2027-03-31 or “dans 2 semaines”.")),
    ]
    form = Form(dialog=ADD, title=_("New commitment"), elements=elements, submit_label=_("Record"),
                state={"consortium_id": outcome.consortium_id},
                introduction=_("Commitment to the consortium “{name}”.", name=escape_markdown(outcome.consortium)))
    return Reply(_("The form is open: fill it in and press “{label}”.", label=_("Record")), form=form)


def new_commitment(actor: str, line: str) -> str:
    return _("🤝 New commitment (@{actor}): {line}", actor=actor, line=line)


def commitment_added(outcome: out.CommitmentAdded, view: View) -> Reply:
    return Reply(new_commitment(outcome.actor, commitment_line(outcome.commitment, outcome.holder)), in_channel=True)


def status_changed(outcome: out.StatusChanged, view: View) -> Reply:
    return Reply(_("{icon} Commitment #{n} of {holder} ({what}): “{before}” → “{after}” (@{actor}).",
                   icon=STATUS_ICONS[outcome.after], n=outcome.number, holder=holder_label(outcome.holder),
                   what=escape_markdown(outcome.description[:80]), before=status_label(outcome.before),
                   after=status_label(outcome.after), actor=outcome.actor), in_channel=True)


def commitment_dropped(outcome: out.CommitmentDropped, view: View) -> Reply:
    return Reply(_("🗑️ Commitment #{n} of {holder} ({what}) withdrawn from the register (@{actor}).",
                   n=outcome.number, holder=holder_label(outcome.holder),
                   what=escape_markdown(outcome.description[:80]), actor=outcome.actor), in_channel=True)


@lru_cache(maxsize=2048)
def _short_date(day, locale: str) -> str:
    return format_short(day, locale=locale)


def _totals(totals: dict, *, by_type: bool = False) -> str:
    parts = []
    for key, total in totals.items():
        name = type_label(key) if by_type else escape_markdown(key) if not key.startswith("@") else key
        amounts = totals_text(total)
        count = ngettext("{n} commitment", "{n} commitments", total.count)
        parts.append(f"**{name}** {amounts} ({count})" if amounts else f"**{name}** ({count})")
    return " · ".join(parts)


def commitments(outcome: out.Commitments, view: View) -> Reply:
    listing, organisation = outcome.listing, outcome.organisation
    if not listing.items:
        if organisation:
            return Reply(_("No commitment from {org} yet.", org=escape_markdown(organisation)))
        return Reply(_("No commitment yet. Record one with `/engagement add` (a form opens) or "
                       "`/engagement add ACI-Lyon \"Running the workshops\" --amount 10 days`."))
    title = _("#### Commitments of {name}", name=escape_markdown(outcome.consortium))
    if organisation:
        title += " — " + escape_markdown(organisation)
    lines = [title, "", _("| # | Who | What | Type | Amount | Due | Status |"), "|---|---|---|---|---|---|---|"]
    for item in listing.items:
        c = item.commitment
        due = _short_date(c.due_date, view.locale) if c.due_date else "—"
        if c.due_date and c.due_date < view.today and c.status in OPEN_STATUSES:
            due = f"⚠️ {due}"
        lines.append(f"| {c.number} | {_cell(holder_label(item.holder))} | {_cell(escape_markdown(c.description))} | "
                     f"{type_label(c.kind)} | {format_amount(c.amount, c.unit) or '—'} | "
                     f"{due} | {STATUS_ICONS[c.status]} {status_label(c.status)} |")
    lines += ["", _("**Totals** (abandoned commitments not counted)")]
    lines += [_("- by type: {totals}", totals=_totals(listing.by_type, by_type=True) or "—")]
    lines += [_("- by organisation: {totals}", totals=_totals(listing.by_organisation) or "—")]
    return Reply("\n".join(lines))


def commitment_history(outcome: out.CommitmentHistory, view: View) -> Reply:
    commitment = outcome.commitment
    lines = [_("#### Commitment #{n}: {what}", n=commitment.number, what=escape_markdown(commitment.description))]
    if commitment.deleted_at is not None:
        lines.append(_("_Withdrawn from the register._"))
    for entry in outcome.entries:
        when = format_date(entry.at.astimezone(view.tz), with_time=True)
        if entry.action == "commitment.add":
            what = _("recorded")
        elif entry.action == "commitment.status":
            what = _("status “{before}” → “{after}”", before=status_label((entry.before or {}).get("status", "")),
                     after=status_label((entry.after or {}).get("status", "")))
        elif entry.action == "commitment.drop":
            what = _("withdrawn")
        else:
            what = escape_markdown(entry.action)
        lines.append(f"- {when} — @{entry.actor_label}: {what}")
    return Reply("\n".join(lines))


# --- deliveries ---------------------------------------------------------------------------------

def reminder(commitment, holder: Holder, consortium) -> str:
    return _("⏰ Reminder: commitment #{n} in “{consortium}” is due {date}: {line}\n"
             "When it is kept: `/engagement done {n} --consortium {slug}`.",
             n=commitment.number, consortium=escape_markdown(consortium.name), date=format_date(commitment.due_date),
             line=commitment_line(commitment, holder), slug=consortium.slug)


def digest_line(item, today: date) -> str:
    c = item.commitment
    return ("⚠️ " if c.due_date < today else "⏰ ") + commitment_line(c, item.holder) + " · " + status_label(c.status)


def export_post(register: str, consortium_name: str, actor: str) -> str:
    if register == "roles":
        return _("📎 Roles register of “{name}”, exported by @{actor}.", name=escape_markdown(consortium_name),
                 actor=actor)
    return _("📎 Commitments register of “{name}”, exported by @{actor}.", name=escape_markdown(consortium_name),
             actor=actor)


def _local(moment: datetime | None, tz) -> datetime | None:
    return moment.astimezone(tz) if moment else None


def roles_csv(views, *, locale: str, tz) -> bytes:
    """The roles register with its history: the roles' names in the reader's language, people bare."""
    header = [_("Role"), _("Person"), _("Organisation"), _("Since"), _("Assigned by"), _("Until"), _("Ended by")]
    rows = [[str(v.role.label), v.person, v.organisation, _local(v.assignment.assigned_at, tz), v.assigned_by,
             _local(v.assignment.ended_at, tz), v.ended_by] for v in views]
    return to_csv(header, rows, locale=locale)


def unit_label(unit: str | None) -> str:
    labels = {"heures": _("hours"), "jours": _("days"), "euros": _("euros"), "unites": _("units")}
    return labels.get(unit, unit or "")


def commitments_csv(views, *, locale: str, tz) -> bytes:
    """The commitments register: kinds, units and statuses in the reader's language, amounts as numbers."""
    header = [_("No."), _("Organisation"), _("Person"), _("Commitment"), _("Type"), _("Amount"), _("Unit"),
              _("Due date"), _("Status"), _("Recorded by"), _("Recorded on")]
    rows = [[v.commitment.number, v.organisation, v.person, v.commitment.description, type_label(v.commitment.kind),
             v.commitment.amount, unit_label(v.commitment.unit) if v.commitment.amount is not None else "",
             v.commitment.due_date, status_label(v.commitment.status), v.created_by,
             _local(v.commitment.created_at, tz)] for v in views]
    return to_csv(header, rows, locale=locale)


# --- for other features (``api.py``) --------------------------------------------------------------

def summary_text(pairs: list[tuple[str, str]], custom_labels: dict[str, str] | None = None) -> str:
    """``/consortium info``'s roles line from ``Overview.roles`` ((key, "@u / ORG") pairs), escaped."""
    from plugin.features.registers.roles import BUILTIN

    grouped: dict[str, list[str]] = {}
    for key, holder in pairs:
        shown = " / ".join(part if part.startswith("@") else escape_markdown(part) for part in holder.split(" / "))
        grouped.setdefault(key, []).append(shown)
    order = {key: i for i, key in enumerate(BUILTIN_ROLES)}

    def label(key: str) -> str:
        return str(BUILTIN[key][0]) if key in BUILTIN else (custom_labels or {}).get(key, key)

    return "; ".join(f"**{escape_markdown(label(key))}** {', '.join(holders)}"
                     for key, holders in sorted(grouped.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))


def overview_text(totals: dict[str, dict]) -> str:
    """``/consortium info``'s commitments line from ``Overview.commitments`` (kind -> {count, amounts})."""
    parts = []
    for kind in ("temps", "financier", "nature", "competences"):
        entry = totals.get(kind)
        if not entry:
            continue
        amounts = ", ".join(format_amount(Decimal(v), u) for u, v in
                            sorted(entry["amounts"].items(), key=lambda kv: UNIT_ORDER.get(kv[0], 9)))
        count = ngettext("{n} commitment", "{n} commitments", entry["count"])
        parts.append(f"**{type_label(kind)}** {amounts} ({count})" if amounts else f"**{type_label(kind)}** ({count})")
    return " · ".join(parts)


# --- the JSON API -------------------------------------------------------------------------------

def roles_register(outcome: out.RolesRegister, view: View) -> dict:
    return RolesOutSchema().dump({
        "consortium": outcome.slug,
        "roles": [{"key": r.key, "label": str(r.label), "description": str(r.description), "custom": r.custom}
                  for r in outcome.roles],
        "assignments": role_dicts(outcome.assignments),
    })


def commitments_register(outcome: out.CommitmentsRegister, view: View) -> dict:
    listing = outcome.listing
    return CommitmentsOutSchema().dump({
        "consortium": outcome.slug,
        "items": as_dicts(listing.items),
        "totals_by_type": {k: t.as_dict() for k, t in listing.by_type.items()},
        "totals_by_organisation": {k: t.as_dict() for k, t in listing.by_organisation.items()},
    })


def unknown_consortium(outcome: out.UnknownConsortium, view: View):
    return {"error": "not_found"}, 404


CHAT = {
    out.Roles: roles, out.RoleGiven: role_given, out.RoleTaken: role_taken, out.RolesHistory: roles_history,
    out.ExportQueued: export_queued, out.Organisations: organisations, out.OrganisationAdded: organisation_added,
    out.CommitmentForm: commitment_form, out.CommitmentAdded: commitment_added, out.StatusChanged: status_changed,
    out.CommitmentDropped: commitment_dropped, out.Commitments: commitments,
    out.CommitmentHistory: commitment_history,
}
JSON = {out.RolesRegister: roles_register, out.CommitmentsRegister: commitments_register,
        out.UnknownConsortium: unknown_consortium}
