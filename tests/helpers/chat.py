"""A consortium made from chat, and what lands in its channel and in direct messages."""
from __future__ import annotations


def make_consortium(net, name="Alimentation durable", members="@ines @samir") -> str:
    net.reply("admin", f'/consortium creer "{name}" --membres {members}')
    net.deliver()
    from plugin.features.consortium.api import slugify

    return net.channel_of(slugify(name))["id"]


def channel_messages(net, channel: str) -> list[str]:
    return [p["message"] for p in net.emulator.posts(channel)]


def dm_posts(net, username):
    channel = net.emulator.direct_channel(net.users["bot"]["id"], net.emulator.user(username)["id"])
    return net.emulator.posts(channel["id"]) if channel else []
