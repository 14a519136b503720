"""Everything decisions say, in the reader's language: the card (posted in the channel, updated by
its buttons), the replies, the outcome, the reminders and the replaced-vote notice."""
from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from integrations.mattermost.messages import attachment, escape_markdown
from plugin.dates import format_date
from plugin.exports import to_csv
from plugin.i18n import _, ngettext
from plugin.rendering.reply import ButtonAnswer, Reply
from plugin.rendering.view import View

from plugin.features.decisions import outcomes as out
from plugin.features.decisions.ballots import labels
from plugin.features.decisions.buttons import VOTE

DEFAULT_LABELS = {"Pour": lambda: _("For"), "Contre": lambda: _("Against"), "Abstention": lambda: _("Abstain")}


def option_labels(decision) -> list[str]:
    if decision.options:
        return list(decision.options)
    return [DEFAULT_LABELS[label]() for label in labels(decision)]


def rule_text(rule: dict) -> str:
    kind = rule.get("kind", "majority")
    if kind == "qualified":
        text = _("qualified majority of {n}/{d}", n=rule["numerator"], d=rule["denominator"])
    elif kind == "consensus":
        text = _("consensus (adopted when nobody objects)")
    elif kind == "unanimity":
        text = _("unanimity")
    else:
        text = _("simple majority")
    parts = [text]
    parts.append(_("quorum {q} % of the members", q=rule["quorum"]) if rule.get("per_person") else
                 _("quorum {q} % of the member organisations", q=rule["quorum"]))
    parts.append(_("one vote per person") if rule.get("per_person") else _("one vote per organisation"))
    if rule.get("casting_name"):
        parts.append(_("casting vote: @{user}", user=rule["casting_name"]))
    return ", ".join(parts)


def _counts(decision, counts: list[int]) -> str:
    return " · ".join(f"{escape_markdown(label)} {n}" for label, n in zip(option_labels(decision), counts))


def outcome_word(outcome: str) -> str:
    if outcome == "adopted":
        return _("✅ adopted")
    if outcome == "no_quorum":
        return _("⚪ quorum not reached")
    return _("❌ rejected")


def card_text(card: out.Card, tz: ZoneInfo) -> str:
    decision = card.decision
    lines = [_("#### 🗳️ Decision {n} — {title}", n=decision.number, title=escape_markdown(decision.title))]
    meta = [_("Rule: {rule}", rule=rule_text(decision.rule))]
    if decision.secret:
        meta.append(_("secret ballot"))
    lines.append(" · ".join(meta))
    if decision.status == "open":
        lines.append(_("Vote until {when}; a vote can be changed until then.",
                       when=format_date(decision.deadline, tz=tz, with_time=True)) if not decision.secret else
                     _("Vote until {when}; a secret vote is final.",
                       when=format_date(decision.deadline, tz=tz, with_time=True)))
    names = option_labels(decision)
    if card.ballots:
        shown = [escape_markdown(b.unit) + (f" ({escape_markdown(names[b.choice])})" if b.choice is not None else "")
                 for b in card.ballots]
        lines.append(ngettext("Voted ({n}): {who}", "Voted ({n}): {who}", len(shown), who=", ".join(shown)))
    else:
        lines.append(_("Nobody has voted yet."))
    if card.missing and decision.status == "open":
        lines.append(ngettext("Missing ({n}): {who}", "Missing ({n}): {who}", len(card.missing),
                              who=", ".join(escape_markdown(m) for m in card.missing)))
    if card.counts is not None:
        lines.append(_("Count: {counts}", counts=_counts(decision, card.counts)))
    if decision.status == "closed":
        lines.append(_("**Closed: {outcome}.**", outcome=outcome_word(decision.outcome)))
    elif decision.status == "cancelled":
        lines.append(_("**Cancelled.**"))
    return "\n".join(lines)


def card_props(card: out.Card, runtime, consortium) -> dict:
    """The option buttons (sharing one nonce), or none once the vote is over."""
    decision = card.decision
    if decision.status != "open":
        return {"attachments": []}
    nonce = secrets.token_urlsafe(12)
    actions = [VOTE.button(runtime, id=f"vote{i}", label=label, data={"n": decision.number, "o": i}, actor=None,
                           consortium=consortium, style="primary" if i == 0 else "default", nonce=nonce)
               for i, label in enumerate(option_labels(decision))]
    prompt = _("Your vote:") if decision.rule.get("per_person") else _("Your organisation's vote:")
    return {"attachments": [attachment(text=prompt, actions=actions)]}


# --- replies --------------------------------------------------------------------------------

def rule_shown(outcome: out.RuleShown, view: View) -> Reply:
    if outcome.changed:
        text = _("✅ From now on, this consortium decides by {rule}.", rule=rule_text(outcome.rule))
        if outcome.checklist_item:
            text += "\n" + _("Checklist item {n} (“How do we decide?”) is ticked with this answer.",
                              n=outcome.checklist_item)
        return Reply(text, in_channel=True)
    return Reply(_("This consortium decides by {rule}.", rule=rule_text(outcome.rule)) + "\n" +
                 _("The lead partner or an admin changes it with `/decision rule`."))


def proposed(outcome: out.Proposed, view: View) -> Reply:
    text = _("🗳️ Decision **{n}** proposed: its card is being posted in the channel; the vote closes on "
             "{when}.", n=outcome.number, when=format_date(outcome.deadline, tz=view.tz, with_time=True))
    if outcome.shared:
        text += " " + _("Its outcome will also be posted in the foundations channel (never the ballots).")
    return Reply(text)


def _your_vote(outcome: out.Voted) -> str:
    decision = outcome.card.decision
    label = escape_markdown(option_labels(decision)[outcome.choice])
    if outcome.unchanged:
        return _("Your vote for {unit} was already “{choice}”.", unit=escape_markdown(outcome.unit), choice=label)
    text = _("🗳️ Your vote for {unit}: “{choice}”.", unit=escape_markdown(outcome.unit), choice=label)
    if outcome.replaced:
        text += " " + _("It replaces the vote @{user} cast for {unit}; they are told.", user=outcome.replaced,
                        unit=escape_markdown(outcome.unit))
    return text


def voted(outcome: out.Voted, view: View) -> Reply:
    return Reply(_your_vote(outcome))


def voted_button(outcome: out.Voted, view: View) -> ButtonAnswer:
    return ButtonAnswer(update_message=card_text(outcome.card, view.tz),
                        update_props=card_props(outcome.card, view.runtime, view.consortium),
                        ephemeral_text=_your_vote(outcome))


def outcome_text(number: int, title: str, decision, result: dict) -> str:
    text = _("{outcome} — decision {n}: {title}", outcome=outcome_word(result["outcome"]), n=number,
             title=escape_markdown(title))
    detail = _("{voters} of {electorate} voted (quorum {quorum}).", voters=result["voters"],
               electorate=result["electorate"], quorum=result["quorum"])
    lines = [text, _("Count: {counts}", counts=_counts(decision, result["counts"])) + " — " + detail]
    if result.get("casting"):
        lines.append(_("The casting vote settled a tie."))
    return "\n".join(lines)


def shared_outcome(consortium: str, outcome: str) -> str:
    """The outcome as the consortium shares it with its foundations: title, outcome, counts."""
    return _("📣 The consortium “{name}” shares the outcome of one of its decisions:",
             name=escape_markdown(consortium)) + "\n" + outcome


def closed(outcome: out.Closed, view: View) -> Reply:
    return Reply(_("Decision {n} closed: {outcome}. The outcome is being posted in the channel.", n=outcome.number,
                   outcome=outcome_word(outcome.outcome)))


def cancelled(outcome: out.Cancelled, view: View) -> Reply:
    return Reply(_("Decision {n} cancelled: {title}", n=outcome.number, title=escape_markdown(outcome.title)))


def listing(outcome: out.Listing, view: View) -> Reply:
    if not outcome.cards:
        return Reply(_("No decision is open to the vote. Propose one with `/decision propose \"<title>\"`."))
    blocks = [_("#### 🗳️ Open decisions — {name}", name=escape_markdown(view.consortium.name))]
    for card in outcome.cards:
        blocks += ["", card_text(card, view.tz)]
    blocks += ["", _("Vote with the buttons of each decision's card in the channel.")]
    return Reply("\n".join(blocks))


def history(outcome: out.History, view: View) -> Reply:
    if not outcome.decisions:
        return Reply(_("No decision has been closed yet."))
    lines = [_("#### 📜 Decisions — {name}", name=escape_markdown(view.consortium.name))]
    for decision in outcome.decisions:
        when = format_date(decision.closed_at, tz=view.tz, with_time=False) if decision.closed_at else "—"
        if decision.status == "cancelled":
            lines.append("- " + _("**{n}** {title} — cancelled ({when})", n=decision.number,
                                  title=escape_markdown(decision.title), when=when))
            continue
        result = decision.result or {}
        lines.append("- " + _("**{n}** {title} — {outcome} ({when}): {counts}", n=decision.number,
                              title=escape_markdown(decision.title), outcome=outcome_word(decision.outcome),
                              when=when, counts=_counts(decision, result.get("counts") or [])))
    return Reply("\n".join(lines))


def export_queued(outcome: out.ExportQueued, view: View) -> Reply:
    return Reply(ngettext("The CSV export ({n} decision) will be attached in the channel in a moment.",
                          "The CSV export ({n} decisions) will be attached in the channel in a moment.",
                          outcome.rows))


# --- the CSV export (labels in the reader's language; never who voted what) -----------------

def status_label(decision) -> str:
    if decision.status == "open":
        return _("open to the vote")
    if decision.status == "cancelled":
        return _("cancelled")
    if decision.outcome == "adopted":
        return _("adopted")
    if decision.outcome == "no_quorum":
        return _("quorum not reached")
    return _("rejected")


def decisions_csv(decisions, *, locale: str, tz: ZoneInfo) -> bytes:
    """One row per decision; counts only once closed (a secret ballot's are hidden while it is open)."""
    header = [_("Number"), _("Title"), _("Options"), _("Rule"), _("Secret ballot"), _("Opened"), _("Deadline"),
              _("Closed"), _("Count"), _("Voters"), _("Electorate"), _("Outcome")]
    rows = []
    for decision in decisions:
        result = (decision.result or {}) if decision.status == "closed" else {}
        counts = " · ".join(f"{label} {n}" for label, n in zip(option_labels(decision), result.get("counts") or []))
        rows.append([decision.number, decision.title, ", ".join(option_labels(decision)), rule_text(decision.rule),
                     _("yes") if decision.secret else _("no"), decision.created_at.astimezone(tz),
                     decision.deadline.astimezone(tz),
                     decision.closed_at.astimezone(tz) if decision.closed_at else None, counts or None,
                     result.get("voters"), result.get("electorate"), status_label(decision)])
    return to_csv(header, rows, locale=locale)


def export_post(consortium_name: str, actor: str) -> str:
    return _("📎 Decisions of “{name}”, exported by @{actor}.", name=escape_markdown(consortium_name), actor=actor)


# --- deliveries -----------------------------------------------------------------------------

def replaced_notice(event) -> str:
    return _("🗳️ @{user} voted for {unit} on decision {n} ({title}): their vote now counts for {unit} and replaces "
             "yours.", user=event.by, unit=escape_markdown(event.organisation), n=event.number,
             title=escape_markdown(event.title))


def reminder(number: int, title: str, deadline, tz: ZoneInfo, unit: str, consortium: str) -> str:
    return _("⏰ {unit} has not voted yet on decision {n} of the consortium {consortium}: {title}. The vote closes on "
             "{when}; the buttons are on the card in the channel.", unit=escape_markdown(unit), n=number,
             consortium=escape_markdown(consortium), title=escape_markdown(title),
             when=format_date(deadline, tz=tz, with_time=True))


def cancelled_post(event) -> str:
    return _("Decision {n} was withdrawn by @{user}.", n=event.number, user=event.by)


CHAT = {out.RuleShown: rule_shown, out.Proposed: proposed, out.Voted: voted, out.Closed: closed,
        out.Cancelled: cancelled, out.Listing: listing, out.History: history, out.ExportQueued: export_queued}
BUTTON = {out.Voted: voted_button}
