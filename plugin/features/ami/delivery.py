"""The AMI's deliveries: the e-mail with the link that lets a structure's contact change its answer, and
the private line after a chat form — both rendered when delivered, in the language of whoever asked."""
from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy.orm import Session

from integrations.mattermost.client import MattermostForbidden
from models import CallForInterest, CallResponse, Network
from plugin.delivery import DeliveryContext, Permanent
from plugin.delivery.mattermost import client_of, ephemeral, post_once
from plugin.i18n import _, use_locale
from plugin.kernel.events import decode
from plugin.kernel.languages import channel_locale
from plugin.kernel.outbox import queue

from plugin.features.ami import render
from plugin.features.ami.calls import EDIT_LINK_MAX_AGE, answer_for_edit
from plugin.features.ami.events import CallOpened, ChatAnswerNoted, EditLinkRequested


def publish_edit_link(session: Session, event: EditLinkRequested, now: datetime) -> None:
    """One e-mail per answer, address and window (the payload and dedupe key of the rows queued before
    the AMI was a feature, so both deliver alike)."""
    queue(session, "ami.edit_link", {"response_id": event.response_id, "email_key": event.email_key,
                                     "locale": event.locale},
          dedupe_key=f"ami.edit_link:{event.response_id}:{event.email_key}:{event.bucket}", now=now)


def edit_link(services, call: CallForInterest, answer: CallResponse) -> str:
    """A signed link to the public form, opened on this answer; valid while it goes to the same address."""
    token = services.signer.sign("ami-edit", {"r": answer.id, "e": answer.email_key})
    return f"{services.base_url}/ami/{call.form_token}?edit={token}"


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
            body = "\n".join([
                _("Hello {name},", name=answer.contact_name),
                "",
                _("Someone asked to change the answer of {structure} to the call “{title}”. This address is the "
                  "structure's contact, so the link is sent here:", structure=answer.structure_name, title=call.title),
                "",
                edit_link(services, call, answer),
                "",
                _("The link works for {days} days. If you did not ask for it, ignore this message: the answer "
                  "stays as it is.", days=EDIT_LINK_MAX_AGE.days),
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


def answer_noted(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ChatAnswerNoted,))
    with use_locale(event.locale or ctx.services.settings.locale):
        text = render.answer_noted(event)
    ephemeral(ctx, {"channel_id": event.channel_id, "user_id": event.user_id, "message": text})


def announce(ctx: DeliveryContext, payload: dict) -> None:
    """A new call, announced in the team's channel for calls (``CONSORTIA_AMI_CHANNEL``, the town square by
    default) in the network's language, with its form link. A call closed meanwhile is not announced."""
    event = decode(payload, (CallOpened,))
    services = ctx.services
    client = client_of(ctx)
    with services.db.transaction() as session:
        call = session.get(CallForInterest, event.call_id)
        if call is None or call.status != "open":
            return
        network = session.get(Network, call.network_id)
        if not network.team_id:
            network.team_id = client.get_team_by_name(services.settings.mattermost_team or network.team_name)["id"]
        team_id = network.team_id
        with use_locale(channel_locale(services.settings)):
            text = render.announcement(call, render.form_url(services, call), services.settings.tz)
    name = services.settings.ami_channel
    channel = client.find_channel(team_id, name, include_deleted=False)
    if channel is None:
        raise Permanent(f"the team has no channel {name!r} to announce the call in (CONSORTIA_AMI_CHANNEL)")
    try:
        post_once(ctx, "post", channel["id"], text)
    except MattermostForbidden:   # the bot is not in that channel yet: it joins it (a public channel), then posts
        client.add_channel_member(channel["id"], client.me()["id"])
        post_once(ctx, "post", channel["id"], text)


DELIVERERS = {"ami.edit_link": send_edit_link, "ami.answer_noted": answer_noted, "ami.announce": announce}
