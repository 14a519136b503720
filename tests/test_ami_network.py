"""The AMI reaches the network: the call announced in the town square (or the configured channel), a
theme's structures offered an existing consortium of that theme, the public form keeping the ranking
it was given, telling what happens to the data, in French first — through real HTTP."""
from __future__ import annotations

import re
from datetime import timedelta

import requests
from sqlalchemy import func, select

from models import CallForInterest, CallResponse, Consortium, Membership, utcnow
from tests.helpers.ami import answers, open_call, web_answer


def _announcements(net, channel_id: str) -> list[str]:
    return [p["message"] for p in net.emulator.posts(channel_id) if "📣" in p["message"]]


def test_opening_a_call_announces_it_in_the_town_square_with_its_form_link(net):
    reply = net.reply("admin", '/ami ouvrir "AMI 2027 @all" --themes "Alimentation, Mobilité" --jusqu-au 2099-12-31')
    assert "annoncé dans ~town-square" in reply
    url = re.search(r"(http://127\.0\.0\.1:\d+/ami/[A-Za-z0-9_-]+)", reply).group(1)
    net.deliver()
    [post] = _announcements(net, net.channels["town-square"])
    assert "Appel à manifestation d’intérêt" in post and url in post and "Alimentation, Mobilité" in post
    assert "/ami repondre" in post and "31/12/2099" in post or "31 décembre 2099" in post
    assert "@all" not in post            # a title cannot notify the whole team
    net.deliver()                        # delivered once, whatever the retries
    assert len(_announcements(net, net.channels["town-square"])) == 1


def test_a_configured_channel_gets_the_announcement_and_a_call_closed_meanwhile_none(net):
    channel = net.emulator.create_channel(net.team["id"], "appels", "Appels à projets")
    net.services.settings = net.services.settings.with_overrides(ami_channel="appels")
    open_call(net)
    net.deliver()
    assert len(_announcements(net, channel["id"])) == 1
    assert _announcements(net, net.channels["town-square"]) == []
    net.reply("admin", "/ami cloturer")
    open_call(net, title="AMI 2028")
    net.reply("admin", "/ami cloturer")   # closed before the worker ran: nothing to announce
    net.deliver()
    assert len(_announcements(net, channel["id"])) == 1


def _answers_for_food(net) -> str:
    url = open_call(net)
    web_answer(url, structure_name="EI Mobil'Emploi", contact_email="ines@example.org", contact_name="Inès",
               ranks={0: 1})
    web_answer(url, structure_name="AI Coup de Main", contact_email="samir@example.org", contact_name="Samir",
               ranks={0: 2, 1: 1})
    web_answer(url, structure_name="ACI Les Jardins", ranks={0: 1})   # camille: no chat account
    return url


def test_forming_a_theme_offers_the_consortium_already_working_on_it(net):
    net.reply("admin", '/consortium creer "Alimentation durable" --theme "Alimentation" --membres @lea')
    net.deliver()
    _answers_for_food(net)
    offered = net.command("admin", '/ami former "alimentation"')
    choice = offered["ephemeral"]
    assert "3 structures ont choisi" in choice["message"] and "Alimentation durable" in choice["message"]
    labels = {a["id"]: a["name"] for a in choice["props"]["attachments"][0]["actions"]}
    join = next(i for i, name in labels.items() if "Alimentation durable" in name)
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Consortium)) == 1   # nothing formed yet
    joined = net.emulator.click(choice["id"], join, "admin")["ephemeral"]["message"]
    assert "rejoignent le consortium **Alimentation durable**" in joined and "@ines" in joined and "@samir" in joined
    assert "camille@jardins.example" in joined and "Bonjour" in joined   # an invitation to send
    net.deliver()
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        assert session.scalar(select(func.count()).select_from(Consortium)) == 1
        assert session.scalar(select(func.count()).select_from(Membership)
                              .where(Membership.consortium_id == consortium.id)) == 3   # lea, ines, samir
        assert session.scalar(select(CallForInterest)).formed == {"Alimentation": consortium.id}
    members = net.emulator.members(consortium.channel_id)
    assert {net.users["ines"]["id"], net.users["samir"]["id"]} <= members
    # Formed now: forming again completes it, without asking again.
    assert "complété" in net.reply("admin", '/ami former "Alimentation"')


def test_a_new_consortium_when_the_admin_prefers_one(net):
    net.reply("admin", '/consortium creer "Alimentation" --membres @lea')
    net.deliver()
    _answers_for_food(net)
    choice = net.command("admin", '/ami former "Alimentation"')["ephemeral"]
    new = next(a["id"] for a in choice["props"]["attachments"][0]["actions"] if a["id"] == "aminew")
    formed = net.emulator.click(choice["id"], new, "admin")["ephemeral"]["message"]
    assert "Alimentation — AMI 2027" in formed and "formé" in formed
    with net.db() as session:
        assert sorted(session.scalars(select(Consortium.name))) == ["Alimentation", "Alimentation — AMI 2027"]


def test_an_english_admin_reads_english_while_the_town_square_reads_the_networks_french(net):
    net.reply("admin", "/consortium language en")
    net.reply("admin", '/consortium create "Food" --theme "Alimentation" --members @lea')
    reply = net.reply("admin", '/eoi open "AMI 2027" --themes "Alimentation, Mobilité" --until 2099-12-31')
    assert "announced in ~town-square" in reply
    net.deliver()
    [post] = _announcements(net, net.channels["town-square"])
    assert "Appel à manifestation d’intérêt" in post and "/ami repondre" in post
    url = re.search(r"(http://127\.0\.0\.1:\d+/ami/[A-Za-z0-9_-]+)", reply).group(1)
    web_answer(url, ranks={0: 1})
    choice = net.reply("admin", '/eoi form "Alimentation"')
    assert "1 structure chose “Alimentation”" in choice and "**Food**" in choice and "join one of them" in choice


def test_the_public_form_refuses_two_first_priorities_and_keeps_the_ranking_given(net):
    url = open_call(net)
    refused = web_answer(url, ranks={0: 1, 1: 1, 2: 2})
    assert refused.status_code == 400 and "Deux thèmes ont la priorité 1" in refused.text
    # what the person gave is shown again as given, not rewritten
    for index, rank in ((0, 1), (1, 1), (2, 2)):
        assert re.search(rf'<select id="rank_{index}"[^>]*>.*?<option value="{rank}" selected', refused.text, re.S)
    assert answers(net) == []
    kept = web_answer(url, ranks={0: 3, 1: 1, 2: 2})
    assert kept.status_code == 200
    assert answers(net)[0].themes == ["Mobilité", "Réemploi", "Alimentation"]


def test_hostile_ranks_are_ignored_or_refused_never_stored(net):
    url = open_call(net)
    for ranks in ({0: "1' OR '1'='1"}, {0: "-1"}, {0: "99"}, {0: "１"}, {7: "1"}):
        response = web_answer(url, ranks=ranks)
        assert response.status_code == 400 and "Choisissez au moins un thème" in response.text
    assert answers(net) == []


def test_the_chat_form_refuses_the_same_theme_twice(net):
    open_call(net)
    before = len(net.emulator.dialogs())
    net.reply("ines", "/ami repondre")
    assert len(net.emulator.dialogs()) == before + 1
    result = net.emulator.submit_dialog(-1, "ines", {"structure_name": "EI Mobil'Emploi", "contact_name": "Inès",
                                                     "contact_email": "ines@example.org", "theme_1": "Mobilité",
                                                     "theme_2": "Mobilité"})
    assert "priorité plus haute" in result["response"]["errors"]["theme_2"]
    assert answers(net) == []


def test_the_form_speaks_french_whatever_the_browser_and_says_what_happens_to_the_data(net):
    url = open_call(net)
    http = requests.Session()
    page = http.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}, timeout=10).text
    assert '<html lang="fr">' in page and "Vos données" in page and "24\u00a0mois" in page or "24 mois" in page
    assert 'hreflang="en">English</a>' in page          # the switch is on the page
    english = http.get(url, params={"lang": "en"}, timeout=10).text
    assert '<html lang="en">' in english and "Your data" in english and "24 months after the call closes" in english
    assert "/consortium mes-donnees" in english
    # the choice holds for the answer sent afterwards
    assert "recorded" in web_answer(url, http=http).text


def test_contact_details_of_old_calls_are_erased_after_the_retention_period(net):
    from plugin.features.ami.jobs import erase_expired_contacts

    url = open_call(net)
    web_answer(url, ranks={0: 1})
    net.reply("admin", "/ami cloturer")
    assert erase_expired_contacts(net.services, utcnow()) == 0
    assert erase_expired_contacts(net.services, utcnow() + timedelta(days=31 * 25)) == 1
    with net.db() as session:
        answer = session.scalar(select(CallResponse))
        assert (answer.structure_name, answer.contact_email, answer.can_bring) == ("ACI Les Jardins", "", "")
        assert answer.themes == ["Alimentation"]


def test_the_results_page_offers_the_same_choice(net):
    from tests.helpers.ami import csrf_of
    from tests.helpers.web import admin_session

    net.reply("admin", '/consortium creer "Alimentation durable" --theme "Alimentation" --membres @lea')
    _answers_for_food(net)
    http = admin_session(net)
    with net.db() as session:
        call_id = session.scalar(select(CallForInterest.id))
        consortium_id = session.scalar(select(Consortium.id))
    results = http.get(f"{net.server.url}/web/ami/{call_id}", timeout=10).text
    form_url = f"{net.server.url}/web/ami/{call_id}/form"
    choice = http.post(form_url, data={"csrf_token": csrf_of(results), "theme": "Alimentation"}, timeout=10)
    assert choice.status_code == 200 and "Rejoindre Alimentation durable" in choice.text
    for hostile in ("abc", "1 OR 1=1", "99999999999", str(consortium_id + 1000)):
        refused = http.post(form_url, data={"csrf_token": csrf_of(choice.text), "theme": "Alimentation",
                                            "into": hostile}, timeout=10)
        assert refused.status_code in (200, 404)   # asked again, or "no longer exists": never a new consortium
    joined = http.post(form_url, data={"csrf_token": csrf_of(choice.text), "theme": "Alimentation",
                                       "into": str(consortium_id)}, timeout=10)
    assert joined.status_code == 200 and "rejoignent le consortium" in joined.text
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Consortium)) == 1
        assert session.scalar(select(func.count()).select_from(Membership)) == 3
