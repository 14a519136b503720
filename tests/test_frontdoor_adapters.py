"""What the adapters offer a ported feature, shown with a toy feature and no server: a command whose
reply opens a form, the form's submission (field errors undo it, success burns it), a button that
updates the card it is on, and an API route that runs a use case."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Blueprint, Flask, jsonify
from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import select

from integrations.mattermost.messages import text_element
from models import Consortium, Membership, Network
from plugin.commands.context import CommandRequest
from plugin.commands.grammar import SubCommand, Trigger
from plugin.frontdoor import callbacks, slash
from plugin.frontdoor.registry import Registry, _bind
from plugin.i18n import _l
from plugin.kernel.errors import Forbidden
from plugin.kernel.interactive import Action, Dialog
from plugin.kernel.usecase import use_case
from plugin.rendering.reply import ButtonAnswer, Form, Reply
from plugin.schemas.fields import CleanText
from tests.conftest import API_TOKEN, make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user

FORM = Dialog("toy.form", use_case="toy.submit")
CARD = Action("toy.rsvp", use_case="toy.rsvp", audience="members")


@dataclass
class Asked:
    pass


@dataclass
class Submitted:
    title: str


@dataclass
class Answered:
    who: str
    answer: str


@dataclass
class Got:
    slug: str


class SubmitSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    title = CleanText(required=True)


class RsvpSchema(Schema):
    answer = fields.String(required=True)


class GetSchema(Schema):
    slug = fields.String(required=True)


@use_case("toy.ask", consortium="none", read_only=True)
def ask(ctx, data):
    return Asked()


SUBMITTED: list[str] = []


@use_case("toy.submit", schema=SubmitSchema, consortium="none")
def submit(ctx, data):
    SUBMITTED.append(data["title"])
    return Submitted(data["title"])


@use_case("toy.rsvp", schema=RsvpSchema)
def rsvp(ctx, data):
    if ctx.membership is None:
        raise Forbidden(_l("Only the members of this consortium can use these buttons: nothing was done."))
    return Answered(ctx.actor.username, data["answer"])


@use_case("toy.get", schema=GetSchema, consortium="none", read_only=True)
def get(ctx, data):
    return Got(data["slug"])


TRIGGER = Trigger("toy", _l("Toy"), (SubCommand("ask", "demander", "ask", _l("Toy"), "demander", "ask",
                                                use_case="toy.ask"),))
USE_CASES = {uc.name: uc for uc in (ask, submit, rsvp, get)}
REGISTRY = Registry(
    triggers=(_bind(TRIGGER, USE_CASES),), use_cases=USE_CASES, actions={CARD.name: CARD}, dialogs={FORM.name: FORM},
    publishers={}, deliverers={}, jobs={}, cli=(),
    renderers={
        "chat": {Asked: lambda o, v: Reply("Le formulaire s’ouvre.", form=Form(
            FORM, "Toy", [text_element("title", "Title")], "Send", state={"from": "toy"}))},
        "button": {Answered: lambda o, v: ButtonAnswer(update_message=f"@{o.who}: {o.answer}")},
        "json": {Got: lambda o, v: (jsonify(slug=o.slug), 201)},
    },
)


@pytest.fixture
def toy(database_url, tmp_path):
    from models.db import Database
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(user("ines"), user("lea"))
    runtime = FakeRuntime(make_settings(database_url, tmp_path, mattermost_team="reseau"), db, directory, REGISTRY)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="reseau")
        session.add(network)
        session.flush()
        ines = upsert_person(session, network.id, directory, user("ines"), NOW)
        upsert_person(session, network.id, directory, user("lea"), NOW)
        consortium = Consortium(network_id=network.id, name="Toy", name_key="toy", slug="toy", channel_id="c" * 26)
        session.add(consortium)
        session.flush()
        session.add(Membership(consortium_id=consortium.id, person_id=ines.id))
    SUBMITTED.clear()
    yield runtime
    db.dispose()


def test_a_reply_opens_a_form_whose_submission_runs_its_use_case(toy):
    request = CommandRequest(command="/toy", text="demander", user_id=user("ines").id, user_name="ines",
                             channel_id="c" * 26, team_domain="reseau", trigger_id="trigger-1")
    assert slash.handle(toy, request).text == "Le formulaire s’ouvre."
    trigger_id, url, payload = toy.client.dialogs[-1]
    assert trigger_id == "trigger-1" and url == "http://consortia.test/mattermost/dialog"
    assert payload["callback_id"] == "toy.form"
    answer = {"user_id": user("ines").id, "callback_id": "toy.form", "state": payload["state"]}
    assert set(callbacks.dialog(toy, {**answer, "submission": {"title": ""}})) == {"errors"}  # undone: not burnt
    assert callbacks.dialog(toy, {**answer, "submission": {"title": "Atelier"}}) == {}
    assert SUBMITTED == ["Atelier"]
    assert "déjà été envoyé" in callbacks.dialog(toy, {**answer, "submission": {"title": "Encore"}})["error"]
    # the form is for the person whose trigger opened it
    assert "quelqu’un d’autre" in callbacks.dialog(toy, {**answer, "user_id": user("lea").id,
                                                          "submission": {"title": "x"}})["error"]


def test_a_button_updates_the_card_it_is_on_for_the_members(toy):
    with toy.db.reader() as session:
        consortium = session.scalar(select(Consortium))
        button = CARD.button(toy, id="yes", label="Oui", data={"answer": "oui"}, actor=None, consortium=consortium)
    context = button["integration"]["context"]
    assert callbacks.action(toy, {"user_id": user("ines").id, "context": context}) == {
        "update": {"message": "@ines: oui"}}
    refused = callbacks.action(toy, {"user_id": user("lea").id, "context": context})
    assert refused["ephemeral_text"].startswith("⚠️") and "update" not in refused


def test_an_api_route_runs_a_use_case_and_its_json_renderer(toy):
    from plugin.web.api import endpoint

    app = Flask(__name__)
    app.extensions["consortia"] = toy
    routes = Blueprint("toy", __name__)

    @routes.get("/toy/<slug>")
    @endpoint(use_case="toy.get")
    def toy_get(slug: str) -> dict:
        return {"slug": slug}

    app.register_blueprint(routes)
    client = app.test_client()
    response = client.get("/toy/abc", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 201 and response.get_json() == {"slug": "abc"}
    assert client.get("/toy/abc").status_code == 401
