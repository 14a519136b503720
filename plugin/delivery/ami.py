"""E-mails of the call for expressions of interest: the link that lets a structure's contact change its answer."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from models import CallForInterest, CallResponse
from plugin.delivery import DeliveryContext, Permanent, delivers
from plugin.i18n import _, use_locale
from plugin.services.ami import EDIT_LINK_MAX_AGE, answer_for_edit


def edit_link(services, call: CallForInterest, answer: CallResponse) -> str:
    """A signed link to the public form, opened on this answer; valid while it goes to the same address."""
    token = services.signer.sign("ami-edit", {"r": answer.id, "e": answer.email_key})
    return f"{services.base_url}/ami/{call.form_token}?edit={token}"


@delivers("ami.edit_link")
def send_edit_link(ctx: DeliveryContext, payload: dict) -> None:
    services = ctx.services
    sender = services.smtp()
    if sender is None:
        raise Permanent("no SMTP server configured")
    with services.db.reader() as session:
        answer = session.get(CallResponse, payload["response_id"])
        call = session.get(CallForInterest, answer.call_id) if answer is not None else None
        if call is None or answer_for_edit(session, call, {"r": answer.id, "e": payload["email_key"]}) is None:
            return  # erased, or sent to another address since: nothing to send
        with use_locale(payload.get("locale") or services.settings.locale):
            subject = _("Change the answer of {structure} to the call “{title}”", structure=answer.structure_name,
                        title=call.title)
            days = EDIT_LINK_MAX_AGE.days
            body = "\n".join([
                _("Hello {name},", name=answer.contact_name),
                "",
                _("Someone asked to change the answer of {structure} to the call “{title}”. This address is the "
                  "structure's contact, so the link is sent here:", structure=answer.structure_name, title=call.title),
                "",
                edit_link(services, call, answer),
                "",
                _("The link works for {days} days. If you did not ask for it, ignore this message: the answer "
                  "stays as it is.", days=days),
                "",
                "— Consortia",
            ])
        message = EmailMessage()
        message["From"] = formataddr(("Consortia", services.settings.mail_from))
        message["To"] = formataddr((answer.contact_name, answer.contact_email))
        message["Subject"] = " ".join(subject.split())
        message["Message-ID"] = make_msgid(domain=services.settings.mail_from.partition("@")[2] or None)
        message.set_content(body)
    try:
        sender.send(message)
    except Exception as error:
        if getattr(error, "recipients", None) and not getattr(error, "retryable", False):
            raise Permanent(f"the contact address of answer #{payload['response_id']} was refused: {error}") from None
        raise
