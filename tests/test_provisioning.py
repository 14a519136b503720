"""An admin's `/consortium creer` provisions a consortium end to end (emulator, real HTTP)."""
from __future__ import annotations

from sqlalchemy import func, select

from models import ChecklistItem, Consortium, OutboxMessage, ProvisioningStep


def test_admin_creates_a_consortium_end_to_end(net):
    reply = net.reply("admin", '/consortium creer "Alimentation durable" --theme "Alimentation" --membres @ines @samir')
    assert "Alimentation durable" in reply and "alimentation-durable" in reply
    net.deliver()

    channel = net.channel_of("alimentation-durable")
    assert channel is not None and channel["type"] == "P"
    assert channel["display_name"] == "Alimentation durable"
    # The header names the command that gives each member their own calendar link, never a link itself.
    assert "/session abonner" in channel["header"] and "/calendars/" not in channel["header"]
    members = net.emulator.members(channel["id"])
    assert {net.users["ines"]["id"], net.users["samir"]["id"], net.users["bot"]["id"]} <= members
    pinned = net.emulator.pinned(channel["id"])
    assert len(pinned) == 1 and "Bienvenue" in pinned[0]["message"]
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        assert consortium.channel_id == channel["id"]
        items = session.scalar(select(func.count()).select_from(ChecklistItem)
                               .where(ChecklistItem.consortium_id == consortium.id))
        assert items >= 25
        steps = dict(session.execute(select(ProvisioningStep.step, ProvisioningStep.status)).all())
        assert steps == {"channel": "done", "members": "done", "calendar": "done", "caldav": "skipped",
                         "checklist": "done", "welcome": "done"}

    info = net.reply("ines", "/consortium info", channel=channel["id"])
    assert "Alimentation durable" in info and "@ines" in info and "@samir" in info
    assert "0/26" in info and "**2 membres**" in info


def test_the_same_name_twice_is_refused_and_creates_nothing(net):
    net.reply("admin", '/consortium creer "Mobilité"')
    net.deliver()
    reply = net.reply("admin", '/consortium creer "mobilité"')
    assert "existe déjà" in reply
    net.deliver()
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Consortium)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status != "delivered")) == 0
    assert [c["name"] for c in net.emulator.channels(net.team["id"]) if c["name"].startswith("mobilite")] == ["mobilite"]


def test_a_private_channel_of_that_name_the_bot_cannot_see_is_named_in_the_error(net):
    """Seen on a real Mattermost: a bot taken out of the team loses its private channels; creating one of
    the same name then answers "already exists" while the bot cannot find it (docs/mattermost-fidelity.md)."""
    ines = net.users["ines"]
    net.emulator.create_channel(net.team["id"], "mobilite", "Mobilité d’avant", type="P", members=[ines["id"]])
    net.reply("admin", '/consortium creer "Mobilité" --membres @ines')
    net.deliver(rounds=3)
    with net.db() as session:
        step = session.scalar(select(ProvisioningStep).where(ProvisioningStep.step == "channel"))
        assert step.status == "failed"
        assert "add the bot to that channel" in step.detail
    assert "canal ⚠️" in net.reply("admin", "/consortium info --consortium mobilite")
