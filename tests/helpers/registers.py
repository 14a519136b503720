"""The roles and commitments registers: a consortium whose members belong to organisations."""
from __future__ import annotations


def setup_consortium(net, name="Alimentation durable", slug="alimentation-durable"):
    """A consortium with @ines (ACI-Lyon) and @samir (EI-Vienne); returns its channel id."""
    say(net, "admin", f'/consortium creer "{name}" --membres @ines @samir')
    net.deliver()
    channel = net.channel_of(slug)["id"]
    for short, full, siae, dep in (("ACI-Lyon", "Atelier chantier d'insertion de Lyon", "ACI", "69"),
                                   ("EI-Vienne", "Entreprise d'insertion de Vienne", "EI", "38")):
        reply = say(net, "admin", f'/role organisation ajouter {short} "{full}" --siae {siae} --departement {dep}')
        assert short in reply, reply
    assert "ACI-Lyon" in say(net, "admin", "/consortium ajouter @ines --organisation ACI-Lyon", channel=channel)
    assert "EI-Vienne" in say(net, "admin", "/consortium ajouter @samir --organisation EI-Vienne", channel=channel)
    return channel


def say(net, username: str, text: str, **kwargs) -> str:
    """The reply text, with French non-breaking spaces shown as plain spaces for readable asserts."""
    return net.reply(username, text, **kwargs).replace("\u00a0", " ").replace("\u202f", " ")
