"""Where a consortium command leads when it cannot act yet, and what asks before it destroys: the
consortiums one may open, `--consortium` by display name, a sub-command group's help, archiving
confirmed by a signed single-use button (or `--confirmer`), and `/consortium desarchiver`.
Through the real HTTP endpoint, in French and English."""
from __future__ import annotations

import requests
from sqlalchemy import select

from models import AuditEvent, Consortium
from tests.helpers.chat import make_consortium

NB = "\u00a0"   # French typography: a no-break space before : ; ! ? and inside « » (plugin/i18n.py)



def fr(text: str) -> str:
    """``text`` with the no-break spaces of French typography inside its guillemets."""
    return text.replace("« ", "«" + NB).replace(" »", NB + "»")


def _post_action(net, context: dict, user: str) -> dict:
    response = requests.post(f"{net.server.url}/mattermost/action", json={
        "user_id": net.users[user]["id"], "user_name": user, "channel_id": "", "team_id": net.team["id"],
        "team_domain": net.team["name"], "post_id": "p" * 26, "trigger_id": "", "type": "button",
        "context": context}, timeout=10)
    assert response.status_code == 200
    return response.json()


def _archived(net, slug="alimentation-durable") -> bool:
    with net.db() as session:
        return session.scalar(select(Consortium.archived_at).where(Consortium.slug == slug)) is not None


def _two(net):
    channel = make_consortium(net)
    make_consortium(net, "Mobilité douce", "@samir")
    return channel


# --- dead ends lead somewhere ------------------------------------------------------------------

def test_an_admin_outside_a_consortium_channel_is_shown_every_consortium_with_an_example(net):
    _two(net)
    reply = net.reply("admin", "/consortium")
    assert reply.startswith("⚠️ Ce canal n’est pas celui d’un consortium. Ajoutez `--consortium <identifiant>`")
    assert "Alimentation durable (`alimentation-durable`), Mobilité douce (`mobilite-douce`)" in reply
    assert "`/consortium info … --consortium alimentation-durable`" in reply
    net.reply("admin", "/consortium language en")
    english = net.reply("admin", "/consortium members")
    assert "the network's consortiums: Alimentation durable (`alimentation-durable`), Mobilité douce" in english
    assert "`/consortium members … --consortium alimentation-durable`" in english


def test_a_member_outside_is_shown_only_their_own_consortiums(net):
    _two(net)
    reply = net.reply("ines", "/consortium")
    assert f"Vos consortiums{NB}: Alimentation durable (`alimentation-durable`)." in reply
    assert "mobilite-douce" not in reply
    assert "aucun consortium" in net.reply("lea", "/consortium")


def test_the_display_name_opens_a_consortium_with_look_alikes_folded(net):
    _two(net)
    assert net.reply("ines", '/consortium membres --consortium "Alimentation durable"').startswith(
        "**2 membres** du consortium Alimentation durable")
    assert "**1 membre** du consortium Mobilité douce" in net.reply("admin", '/consortium membres --consortium "MOBILITE DOUCE"')
    assert "Mobilité douce" in net.reply("samir", "/consortium info --consortium mobilité")   # part of a name


def test_a_name_several_consortiums_share_is_refused_with_them(net):
    make_consortium(net)
    make_consortium(net, "Alimentation solidaire", "@ines")
    reply = net.reply("admin", "/consortium info --consortium alimentation")
    assert reply.startswith(fr(f"⚠️ « alimentation » peut désigner plusieurs consortiums{NB}: "
                               "Alimentation durable (`alimentation-durable`), Alimentation solidaire "
                               "(`alimentation-solidaire`)."))
    net.reply("admin", "/consortium language en")
    assert "“alimentation” could name several consortiums" in net.reply("admin", "/consortium info --consortium "
                                                                                 "alimentation")


def test_an_unknown_consortium_name_lists_what_one_may_open(net):
    _two(net)
    reply = net.reply("ines", "/consortium membres --consortium nulle-part")
    assert reply.startswith(fr(f"⚠️ Il n’y a pas de consortium « nulle-part ». Vous pouvez ouvrir{NB}: "
                               "Alimentation durable (`alimentation-durable`)."))
    net.reply("lea", "/consortium language en")
    assert "⚠️ There is no consortium “nowhere”." in net.reply("lea", "/consortium members --consortium nowhere")


def test_a_sub_command_groups_help_and_its_unknown_actions(net):
    help_fr = net.reply("admin", "/consortium fondation aide")
    assert help_fr.startswith(f"Fondations et leurs représentants (admins){NB}:\n- `/consortium fondation ajouter ")
    unknown = net.reply("admin", "/consortium fondation danser")
    assert unknown.startswith("⚠️ ") and "danser" in unknown and "- `/consortium fondation liste`" in unknown
    net.reply("admin", "/consortium language en")
    help_en = net.reply("admin", "/consortium foundation help")
    assert help_en.startswith("Foundations and their representatives (admins):\n- `/consortium foundation add ")
    assert "réservé" in net.reply("ines", "/consortium fondation aide") or "admins" in net.reply(
        "ines", "/consortium fondation aide")


# --- destructive actions confirm -----------------------------------------------------------------

def _confirmation(net, channel: str, user: str = "admin", text: str = "/consortium archiver") -> tuple[str, dict]:
    result = net.command(user, text, channel=channel)
    post = result["ephemeral"]
    button = next(a for att in post["props"]["attachments"] for a in att.get("actions", []))
    return post, button


def test_archiving_asks_with_a_button_that_works_once(net):
    channel = make_consortium(net)
    post, button = _confirmation(net, channel)
    assert post["message"].startswith(fr(f"Archiver le consortium « Alimentation durable »{NB}?"))
    assert button["name"] == "Archiver" and set(button["integration"]["context"]) == {"t"}
    assert not _archived(net)                                          # nothing done yet
    clicked = net.emulator.click(post["id"], button["id"], "admin")
    assert clicked["ephemeral"]["message"] == fr(f"Le consortium « Alimentation durable » est archivé{NB}: canal "
                                                 "archivé, données conservées.")
    assert _archived(net)
    again = _post_action(net, button["integration"]["context"], "admin")     # replayed
    assert again["ephemeral_text"] == "⚠️ Ce bouton a déjà servi."
    with net.db() as session:
        assert list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("consortium.%archive"))))\
            == ["consortium.archive"]
    net.deliver()
    assert net.emulator.channel_by_id(channel)["delete_at"] > 0


def test_the_confirmation_button_is_the_asking_admins_only(net):
    channel = make_consortium(net)
    _post, button = _confirmation(net, channel)
    refused = _post_action(net, button["integration"]["context"], "ines")
    assert f"destinés à quelqu’un d’autre{NB}: rien n’a été fait" in refused["ephemeral_text"]
    assert not _archived(net)
    # the admin's button still works after someone else's refused press
    assert "archivé" in _post_action(net, button["integration"]["context"], "admin")["ephemeral_text"]
    # a member asking gets no button at all
    assert "admins" in net.reply("ines", "/consortium archiver --consortium alimentation-durable")


def test_confirmer_archives_at_once_and_english_asks_in_english(net):
    channel = make_consortium(net)
    net.reply("admin", "/consortium language en")
    post, button = _confirmation(net, channel, text="/consortium archive")
    assert post["message"].startswith("Archive the consortium “Alimentation durable”?")
    assert "`/consortium archive --confirm`" in post["message"] and button["name"] == "Archive"
    assert net.reply("admin", "/consortium archive --confirm", channel=channel) == (
        "The consortium “Alimentation durable” is archived: channel closed, data kept.")
    assert _archived(net)
    assert "already archived" in _post_action(net, button["integration"]["context"], "admin")["ephemeral_text"]


def test_desarchiver_reopens_the_consortium_and_its_channel(net):
    channel = make_consortium(net)
    net.reply("admin", "/consortium archiver --confirmer", channel=channel)
    net.deliver()
    assert "admins" in net.reply("ines", "/consortium desarchiver --consortium alimentation-durable")
    reply = net.reply("admin", "/consortium désarchiver --consortium alimentation-durable")
    assert reply == fr(f"Le consortium « Alimentation durable » est rouvert{NB}: son canal est de retour.")
    net.deliver()
    assert net.emulator.channel_by_id(channel)["delete_at"] == 0
    assert net.emulator.posts(channel)[-1]["message"] == "📂 Ce consortium a été rouvert par @admin."
    assert not _archived(net)
    assert "n’est pas archivé" in net.reply("admin", "/consortium desarchiver", channel=channel)
    net.reply("admin", "/consortium language en")
    assert "is not archived" in net.reply("admin", "/consortium unarchive", channel=channel)

