"""The web pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Screenshots of every page go to test-artifacts/screenshots/. Skipped, with the reason,
when Chromium or Playwright is not installed (``.ci/run`` installs Chromium with apt).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers.web import create_consortium, magic_link
from tests.helpers.ami import chat_answer, open_call, web_answer

CHROMIUM = os.environ.get("CONSORTIA_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda message: page.csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    assert page.csp_errors == [], page.csp_errors  # no inline script or style slipped in
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def focused(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.name "
                         "|| document.activeElement.tagName)")


def test_public_form_by_keyboard(net, page):
    url = open_call(net)
    page.goto(url)
    assert page.locator("h1").inner_text() == "AMI 2027"
    shot(page, "ami-form")
    # Submitting empty: the error summary takes the focus and links to the fields.
    page.locator("#submit-answer").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert focused(page) == "error-summary"
    assert page.locator("#structure_name").get_attribute("aria-invalid") == "true"
    shot(page, "ami-form-errors")
    # Keyboard only: Tab walks the form in reading order.
    page.locator("#structure_name").focus()
    page.keyboard.type("ACI Les Jardins <b>du</b> Rhône")
    order = ["siae_type", "departement", "contact_name", "contact_email", "rank_0", "rank_1", "rank_2",
             "can_bring", "needs", "comment", "submit-answer"]
    seen = []
    for _ in order:
        page.keyboard.press("Tab")
        seen.append(focused(page))
    assert seen == order
    page.locator("#siae_type").select_option("ACI")
    page.locator("#departement").fill("69")
    page.locator("#contact_name").fill("Camille Martin")
    page.locator("#contact_email").fill("camille@jardins.example")
    page.locator("#rank_0").select_option("2")
    page.locator("#rank_2").select_option("1")
    page.locator("#can_bring").fill("<script>alert('x')</script> un atelier")
    page.locator("#submit-answer").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#thanks")
    assert "ACI Les Jardins <b>du</b> Rhône" in page.locator("#thanks").inner_text()  # shown as text, inert
    assert [li.inner_text() for li in page.locator("ol li").all()] == ["Réemploi", "Alimentation"]
    shot(page, "ami-form-thanks")


def plain(text: str) -> str:
    """Babel's narrow and regular no-break spaces as plain spaces, for readable asserts."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_admin_reads_the_matrix_forms_a_consortium_and_follows_it(net, page):
    url = open_call(net)

    chat_answer(net, "ines", {"structure_name": "EI Mobil'Emploi", "contact_name": "Inès",
                              "contact_email": "ines@example.org", "theme_1": "Alimentation", "departement": "69"})
    web_answer(url, structure_name="AI Coup de Main", contact_email="samir@example.org", ranks={0: 1, 1: 2})
    web_answer(url, structure_name="ETTI Solid'R", contact_email="contact@solidr.example", ranks={0: 1},
               departement="42")
    link = magic_link(net)
    page.goto(link)
    shot(page, "magic-link-landing")
    page.locator("#continue").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Tous les consortiums"
    shot(page, "dashboard-empty")

    page.get_by_role("link", name="Appel à manifestation d’intérêt").first.click()
    assert "AMI 2027" in page.content()
    shot(page, "ami-admin")
    with page.expect_response(re.compile(r"/web/ami/\d+$")) as results:
        page.locator("#results-link").click()
    assert results.value.headers.get("content-encoding") == "gzip"   # Chromium asks for it: the kept page, deflated
    matrix = page.locator("#matrix")
    matrix.wait_for()  # the results page has loaded (is_visible would not wait for it)
    rows = {r.locator("th").inner_text(): r for r in matrix.locator("tbody tr").all()}
    assert len(rows) == 3
    shot(page, "ami-results")
    page.get_by_role("button", name=re.compile("Former le consortium.*Alimentation")).click()
    page.wait_for_selector(".flash")
    flashes = page.locator(".flash").all_inner_texts()
    assert any("formé avec 2 membre" in text for text in flashes), flashes
    assert any("contact@solidr.example" in text for text in flashes), flashes
    shot(page, "ami-results-formed")
    net.deliver()
    group = net.channel_of("alimentation")["id"]
    net.reply("admin", "/role attribuer chef-de-file @ines", channel=group)
    net.reply("ines", '/engagement ajouter @ines "Cofinancement" --montant 7 500,50 €', channel=group)
    net.reply("samir", '/engagement ajouter @samir "Prêt du camion" --type nature --montant 10 jours', channel=group)

    page.get_by_role("link", name="Tableau de bord").click()
    board = plain(page.locator("table.dashboard").inner_text())
    assert "Alimentation" in board and "7 500,50 € · 10 jours" in board and "émergence" in board
    shot(page, "dashboard")
    page.locator("table.dashboard a", has_text="Alimentation").click()
    assert page.locator("h1").inner_text() == "Alimentation"
    assert "@ines" in page.content() and "@samir" in page.content()
    assert page.locator("strong.role").first.inner_text() == "Chef de file"
    assert [plain(t) for t in page.locator("td.amount").all_inner_texts()] == ["7 500,50 €", "10 jours"]
    assert page.locator("td.kind").all_inner_texts() == ["financier", "en nature"]
    assert page.locator("td.status").all_inner_texts() == ["proposé", "proposé"]
    shot(page, "consortium")
    profile_url = page.locator("#profile-link").inner_text()

    page.goto(profile_url)
    assert page.locator("h1").inner_text() == "Alimentation"
    assert "@example.org" not in page.content()
    kinds = [plain(t) for t in page.locator("li.commitment-kind").all_inner_texts()]
    assert kinds == ["financier : 1 · 7 500,50 €", "en nature : 1 · 10 jours"], kinds
    assert page.locator("strong.role").first.inner_text() == "Chef de file"
    shot(page, "profile")
    page.locator("#print-version").click()
    page.wait_for_url("**/print")
    page.wait_for_load_state("load")   # its stylesheet too: the print rules hide the header
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert "7 500,50 €" in plain(page.locator("main").inner_text())
    shot(page, "profile-print")
    pdf = page.pdf(path=str(SHOTS / "profile.pdf")) if hasattr(page, "pdf") else None
    assert pdf is None or pdf[:4] == b"%PDF"
    page.emulate_media(media="screen")

    # The link was single use: opening it again is refused.
    page.goto(link)
    assert "déjà été utilisé" in page.content()
    shot(page, "magic-link-reused")

    # The profile in English: the same words and amounts, as English readers write them.
    page.goto(profile_url + "?lang=en")
    kinds = [plain(t) for t in page.locator("li.commitment-kind").all_inner_texts()]
    assert kinds == ["financial: 1 · €7,500.50", "in kind: 1 · 10 days"], kinds
    assert page.locator("strong.role").first.inner_text() == "Lead partner"
    shot(page, "profile-en")


def test_forged_link_and_anonymous_visit_are_refused(net, page):
    page.goto(f"{net.server.url}/web/login?token=forged.token.value")
    assert "pas valide" in page.content()
    shot(page, "magic-link-forged")
    page.goto(f"{net.server.url}/web/")
    assert "Connexion nécessaire" in page.content()
    shot(page, "dashboard-refused")


def test_admin_opens_a_call_from_the_web_by_keyboard(net, page):
    create_consortium(net)
    page.goto(magic_link(net))
    page.locator("#continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("table.dashboard")
    page.goto(f"{net.server.url}/web/ami")
    page.locator("#title").focus()
    page.keyboard.type("AMI printemps")
    page.keyboard.press("Tab")
    assert focused(page) == "themes"
    page.keyboard.type("Alimentation, Mobilité, Réemploi")
    page.keyboard.press("Tab")
    assert focused(page) == "deadline"
    page.locator("#deadline").fill("2099-03-31")
    page.locator("#open-call").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#public-form-link")
    assert "AMI printemps" in page.content()
    shot(page, "ami-admin-opened")
