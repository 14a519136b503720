"""Every text of the AMI, in its reader's language: replies, the chat form, the private line after the
form, the results (chat and CSV), the e-mail with the edit link."""
from __future__ import annotations

from integrations.mattermost import messages
from integrations.mattermost.messages import escape_markdown
from models import SIAE_TYPES
from plugin.dates import format_date
from plugin.exports import to_csv
from plugin.i18n import _, ngettext, use_locale
from plugin.kernel.text import aware
from plugin.rendering.reply import Form, Reply
from plugin.rendering.view import View

from plugin.features.ami import buttons
from plugin.features.ami.events import ChatAnswerNoted
from plugin.features.ami.matrix import Matrix
from plugin.features.ami.outcomes import AnswerForm, Closed, Formed, FormChoice, Opened, Results
from plugin.features.ami.schemas import MAX_RANKED_IN_DIALOG

MAX_ROWS_IN_CHAT = 60


def form_url(runtime, call) -> str:
    return f"{runtime.base_url}/ami/{call.form_token}"


def opened(outcome: Opened, view: View) -> Reply:
    call = outcome.call
    return Reply("\n".join([
        _("✅ Call **{title}** opened until {date}.", title=escape_markdown(call.title), date=format_date(outcome.until)),
        _("Themes: {themes}", themes=", ".join(escape_markdown(t) for t in call.themes)),
        _("Members answer with `/ami respond`; structures without a chat account use the public form: {url}",
          url=form_url(view.runtime, call)),
        _("The call is announced in ~{channel} with the form link.", channel=view.runtime.settings.ami_channel),
        _("Follow the answers with `/ami results`."),
    ]))


def announcement(call, url: str, tz) -> str:
    """The post that tells the whole network a call is open (its channel's language)."""
    return "\n".join([
        _("📣 **Call for expressions of interest: {title}**", title=escape_markdown(call.title)),
        _("Themes: {themes}", themes=", ".join(escape_markdown(t) for t in call.themes)),
        _("Answer before {date}: here with `/ami respond`, or on the form (for structures without a chat "
          "account too): {url}", date=format_date(aware(call.deadline), tz=tz, with_time=False), url=url),
    ])


def closed(outcome: Closed, view: View) -> Reply:
    return Reply(closed_line(outcome) + "\n" + _("Results stay available with `/ami results`."))


def closed_line(outcome: Closed) -> str:
    return _("Call “{title}” closed with {n} answers.", title=outcome.call.title, n=outcome.answers)


def answer_form(outcome: AnswerForm, view: View) -> Reply:
    call, previous, person = outcome.call, outcome.previous, outcome.person
    theme_options = [(t, t) for t in call.themes]
    ranked = list(previous.themes) if previous else []
    elements = [
        messages.text_element("structure_name", _("Structure"), max_length=150,
                              default=previous.structure_name[:150] if previous else None,
                              placeholder=_("e.g. ACI Les Jardins du Rhône")),
        messages.select_element("siae_type", _("SIAE type"), [(t, t) for t in SIAE_TYPES] + [(_("other"), "autre")],
                                optional=True, default=previous.siae_type if previous and previous.siae_type else None),
        messages.text_element("departement", _("Département"), max_length=3, optional=True,
                              default=previous.departement if previous else None, placeholder="69"),
        messages.text_element("contact_name", _("Contact person"), max_length=150,
                              default=(previous.contact_name if previous else person.display_name
                                       or person.username)[:150]),
        messages.text_element("contact_email", _("Contact e-mail"), max_length=150, subtype="email",
                              default=(previous.contact_email if previous else person.email or "")[:150] or None),
    ]
    for index in range(min(MAX_RANKED_IN_DIALOG, len(call.themes))):
        elements.append(messages.select_element(
            f"theme_{index + 1}", _("Theme, priority {n}", n=index + 1), theme_options, optional=index > 0,
            default=ranked[index] if index < len(ranked) and ranked[index] in call.themes else None))
    elements += [
        messages.textarea_element("can_bring", _("What the structure can bring"), optional=True, max_length=3000,
                                  default=previous.can_bring if previous else None),
        messages.textarea_element("needs", _("What the structure needs"), optional=True, max_length=3000,
                                  default=previous.needs if previous else None),
        messages.textarea_element("comment", _("Comment"), optional=True, max_length=3000,
                                  default=previous.comment if previous else None),
    ]
    introduction = _("Call: {title}. Deadline: {date}.", title=call.title,
                     date=format_date(aware(call.deadline), tz=view.tz, with_time=False))
    return Reply(_("The form is open: fill it in and send it."),
                 form=Form(dialog=buttons.RESPOND, title=_("Answer the call"), elements=elements,
                           submit_label=_("Send"), state={"call": call.id}, introduction=introduction))


def answer_noted(event: ChatAnswerNoted) -> str:
    """The private line after a chat form (delivered, in the language of whoever sent it)."""
    name, title = escape_markdown(event.structure), escape_markdown(event.title)
    if event.outcome == "recorded":
        return _("✅ Thank you: the answer of **{name}** to “{title}” is recorded.", name=name, title=title)
    if event.outcome == "updated":
        return _("✅ The answer of **{name}** to “{title}” is updated.", name=name, title=title)
    if event.outcome == "edit_link_sent":
        return _("⚠️ **{name}** has already answered with another contact address, so only that contact can change "
                 "the answer: a link to change it has been sent to {email}. Nothing has changed yet.",
                 name=name, email=escape_markdown(event.masked))
    return _("⚠️ **{name}** has already answered with another contact address: its answer is unchanged. "
             "Ask the network's facilitators to change it.", name=name)


def results(outcome: Results, view: View) -> Reply:
    call, matrix = outcome.call, outcome.view
    state = _("open") if call.status == "open" else _("closed")
    lines = [f"#### {escape_markdown(call.title)} ({state})",
             ngettext("**{n} answer**", "**{n} answers**", matrix.total)]
    if not matrix.total:
        lines.append(_("No answer yet. Public form: {url}", url=form_url(view.runtime, call)))
        return Reply("\n".join(lines))
    lines += ["", "| " + _("Theme") + " | " + _("Structures") + " | " + _("First choice") + " | "
              + _("Départements") + " |", "|---|---:|---:|---|"]
    for column in matrix.themes:
        departements = ", ".join(f"{d} ({n})" for d, n in column.departements.items()) or "—"
        lines.append(f"| {escape_markdown(column.theme)} | {column.count} | {column.first_choice} | {departements} |")
    lines.append("")
    lines.append(_("Structures and their priorities:"))
    for answer, ranks in matrix.rows[:MAX_ROWS_IN_CHAT]:
        ordered = " > ".join(escape_markdown(t) for t in sorted(ranks, key=ranks.get))
        who = f"**{escape_markdown(answer.structure_name)}**" + (
            f" ({escape_markdown(answer.departement)})" if answer.departement else "")
        lines.append(_("- {structure}: {themes}", structure=who, themes=ordered))
    if len(matrix.rows) > MAX_ROWS_IN_CHAT:
        lines.append(_("… and {n} more: see the web page (`/consortium admin`) or the CSV export.",
                       n=len(matrix.rows) - MAX_ROWS_IN_CHAT))
    if matrix.multi:
        lines.append(_("Interested in several themes: {names}.",
                       names=", ".join(escape_markdown(a.structure_name) for a in matrix.multi[:30])))
    lines.append("")
    if matrix.groups:
        lines.append(ngettext("Suggested grouping (at least {n} structure per theme):",
                              "Suggested grouping (at least {n} structures per theme):", call.min_group_size))
        for column in matrix.groups:
            formed = _(" — formed") if column.formed_id else ""
            lines.append(_("- **{theme}** ({n}){formed}: `/ami form \"{command_theme}\"`",
                           theme=escape_markdown(column.theme), n=column.count, formed=formed,
                           command_theme=column.theme.replace("`", "")))
    else:
        lines.append(ngettext("No theme has {n} structure yet.", "No theme has {n} structures yet.",
                              call.min_group_size))
    return Reply("\n".join(lines))


def formed(outcome: Formed, view: View) -> Reply:
    made = outcome.formed
    consortium = made.consortium
    if outcome.joined:
        first = _("✅ The structures of “{theme}” join the consortium **{name}** (slug `{slug}`).",
                  theme=escape_markdown(consortium.theme or ""), name=escape_markdown(consortium.name),
                  slug=consortium.slug)
    else:
        first = (_("✅ Consortium **{name}** formed (slug `{slug}`).") if made.created else
                 _("✅ Consortium **{name}** completed (slug `{slug}`).")).format(
            name=escape_markdown(consortium.name), slug=consortium.slug)
    lines = [first, _("Members: {members}.", members=", ".join(f"@{u}" for u in made.members) or _("nobody yet"))]
    if made.without_account:
        lines.append(ngettext("{n} contact has no chat account yet; invite them, then run the command again:",
                              "{n} contacts have no chat account yet; invite them, then run the command again:",
                              len(made.without_account)))
        for answer in made.without_account:
            lines.append(f"- {escape_markdown(answer.contact_name)} ({escape_markdown(answer.structure_name)}) — "
                         f"{escape_markdown(answer.contact_email)}")
        lines += ["", _("An invitation to send them (by e-mail):"), "", invitation(outcome, view)]
    return Reply("\n".join(lines))


def invitation(outcome: Formed, view: View) -> str:
    """A text the admin sends to the contacts without a chat account, in the network's language."""
    settings = view.runtime.settings
    with use_locale(settings.locale):
        where = f" ({settings.mattermost_url})" if settings.mattermost_url else ""
        text = _("Hello, your structure answered the call “{title}” for the theme “{theme}”. The theme's group now "
                 "works together in the network's chat{where}: create your account there with this e-mail address "
                 "and tell us, we will add you to the group. — The network's facilitators",
                 title=outcome.call.title, theme=outcome.formed.consortium.theme or outcome.formed.consortium.name,
                 where=where)
    return "> " + escape_markdown(text)


def form_choice(outcome: FormChoice, view: View) -> Reply:
    """Consortiums already work on the theme: the admin chooses where its structures go."""
    lines = [ngettext("{n} structure chose “{theme}”, and the network already has a consortium on that theme:",
                      "{n} structures chose “{theme}”, and the network already has consortiums on that theme:",
                      outcome.structures, theme=escape_markdown(outcome.theme))]
    for consortium in outcome.consortia:
        lines.append(f"- **{escape_markdown(consortium.name)}** (`{consortium.slug}`)")
    lines.append(_("Should they join one of them, or form a new consortium?"))
    data = {"c": outcome.call.id, "t": outcome.theme}
    actions = [buttons.FORM_INTO.button(view.runtime, id=f"amijoin{c.id}", label=_("Join {name}", name=c.name[:40]),
                                        data={**data, "i": c.id}, actor=view.actor, consortium=c, style="primary")
               for c in outcome.consortia]
    actions.append(buttons.FORM_INTO.button(view.runtime, id="aminew", label=_("Form a new consortium"),
                                            data={**data, "i": 0}, actor=view.actor, consortium=outcome.consortia[0]))
    return Reply("\n".join(lines), attachments=[messages.attachment(actions=actions)])


def results_csv(matrix: Matrix) -> bytes:
    header = [_("Structure"), _("SIAE type"), _("Département"), _("Contact"), _("E-mail"),
              *[_("{theme} (priority)", theme=t.theme) for t in matrix.themes],
              _("Can bring"), _("Needs"), _("Comment"), _("Source"), _("Updated")]
    rows = []
    for answer, ranks in matrix.rows:
        rows.append([answer.structure_name, answer.siae_type or "", answer.departement or "", answer.contact_name,
                     answer.contact_email, *[ranks.get(t.theme, "") for t in matrix.themes], answer.can_bring,
                     answer.needs, answer.comment, answer.source, answer.updated_at.date().isoformat()])
    return to_csv(header, rows)


CHAT = {Opened: opened, Closed: closed, AnswerForm: answer_form, Results: results, Formed: formed,
        FormChoice: form_choice}
