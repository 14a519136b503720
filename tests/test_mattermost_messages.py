"""Pure builders of integrations/mattermost/messages.py and verification.py."""

from __future__ import annotations

import hmac
import re

import pytest
from werkzeug.datastructures import Headers, MultiDict

from integrations.mattermost import messages as m
from integrations.mattermost.verification import extract_command_token, verify_command_token

ZWSP = "\u200b"
MENTION_RE = re.compile(r"(?<![A-Za-z0-9])@(channel|all|here|everyone)\b", re.IGNORECASE)


# ------------------------------------------------------------------ escape_markdown


@pytest.mark.parametrize("word", ["@channel", "@all", "@here", "@everyone", "@Channel", "@ALL",
                                  "@HeRe", "@EveryOne"])
def test_broadcast_mentions_are_neutralised(word):
    out = m.escape_markdown(f"hey {word}! and ({word}) and {word}.")
    assert not MENTION_RE.search(out)
    assert out.count("@" + ZWSP) == 3
    # still renders the same to a reader
    assert out.replace(ZWSP, "").count(word) == 3


def test_user_mentions_neutralised_but_emails_kept():
    out = m.escape_markdown("ping @alice, mail alice@example.org")
    assert "@" + ZWSP + "alice" in out
    assert "alice@example.org" in out


def test_inline_specials_escaped_and_newlines_collapsed():
    out = m.escape_markdown("a|b *bold* _it_ ~~s~~ `code` [link](http://x) <b> \\ end\nnext\r\nline")
    assert "\n" not in out and "\r" not in out
    for raw in ("|", "*", "_", "~", "`", "[", "]"):
        assert re.search(r"(?<!\\)" + re.escape(raw), out) is None, raw
    assert "<" not in out and "&lt;b&gt;" not in out and "&lt;b\\>" in out
    assert "\\\\ end" in out
    assert out.endswith("next line")


@pytest.mark.parametrize("text, start", [
    ("# Title", "\\#"), ("### x", "\\###"), ("> quote", "\\>"), ("- item", "\\-"),
    ("+ item", "\\+"), ("1. item", "1\\."), ("12) item", "12\\)"), ("    code", "code"),
    ("= x", "\\="),
])
def test_line_start_constructs_escaped(text, start):
    assert m.escape_markdown(text).startswith(start)
    assert m.escape_markdown_block("ok\n" + text).split("\n")[1].startswith(start)


def test_table_cannot_be_injected():
    out = m.escape_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert re.search(r"(?<!\\)\|", out) is None


def test_block_keeps_lines_but_no_breakout():
    text = "line one\n# heading\n```\ncode fence\n```\n~~~\n| a | b |\n---\n@all look"
    out = m.escape_markdown_block(text)
    lines = out.split("\n")
    assert len(lines) == 9
    assert lines[1] == "\\# heading"
    assert lines[2] == "\\`\\`\\`"
    assert lines[5] == "\\~\\~\\~"
    assert lines[6] == "\\| a \\| b \\|"
    assert lines[7].startswith("\\-")
    assert not MENTION_RE.search(out)
    assert "```" not in out and "~~~" not in out


def test_escape_empty_and_control_chars():
    assert m.escape_markdown(None) == "" and m.escape_markdown("") == ""
    assert m.escape_markdown_block(None) == ""
    assert m.escape_markdown("a\x00b\x1bc\td") == "abc d"
    assert m.escape_markdown("a\u2028b") == "a b"


def test_mention():
    assert m.mention("alice") == "@alice"
    assert m.mention("@bob.smith-2_x") == "@bob.smith-2_x"
    for bad in ("channel", "@all", "here", "everyone"):
        assert ZWSP in m.mention(bad) or "@" not in m.mention(bad)
        assert not MENTION_RE.search(m.mention(bad))
    assert m.mention("Not Valid|name") == "Not Valid\\|name"
    assert m.mention("") == ""


# ------------------------------------------------------------------ attachments & actions


def test_button_and_select():
    b = m.button("checkItem3", "Done", "https://c/actions", {"sig": "x"}, style="primary")
    assert b == {"id": "checkItem3", "name": "Done", "type": "button", "style": "primary",
                 "integration": {"url": "https://c/actions", "context": {"sig": "x"}}}
    for bad in ("check-item", "check_item", "", "é"):
        with pytest.raises(ValueError):
            m.button(bad, "x", "u", {})
    s = m.select("pick", "Pick", "https://c/a", {"a": 1}, [("One", 1), {"text": "Two", "value": "2"}])
    assert s["type"] == "select"
    assert s["options"] == [{"text": "One", "value": "1"}, {"text": "Two", "value": "2"}]
    with pytest.raises(ValueError):
        m.select("pi-ck", "Pick", "u", {}, [])


def test_attachment():
    b = m.button("ok", "OK", "u", {})
    a = m.attachment(text="t", title="T", color="#00ff00",
                     fields=[{"title": "k", "value": "v", "short": True}], actions=[b])
    assert a == {"fallback": "T", "color": "#00ff00", "title": "T", "text": "t",
                 "fields": [{"title": "k", "value": "v", "short": True}], "actions": [b]}
    assert m.attachment(text="only") == {"fallback": "only", "text": "only"}
    assert m.attachment(text="x", fallback="fb")["fallback"] == "fb"


def test_command_response():
    r = m.command_response("hi")
    assert r == {"response_type": "ephemeral", "text": "hi"}
    r = m.command_response("hi", in_channel=True, attachments=[{"text": "a"}], props={"p": 1},
                           extra_responses=[m.command_response("more")])
    assert r["response_type"] == "in_channel" and r["attachments"] == [{"text": "a"}]
    assert r["props"] == {"p": 1} and r["extra_responses"][0]["text"] == "more"


def test_command_response_truncation():
    long = "\n".join(f"line {i} " + "x" * 50 for i in range(1000))
    r = m.command_response(long, truncated_notice="… (tronqué)")
    assert len(r["text"]) <= m.MAX_POST_TEXT
    assert r["text"].endswith("\n… (tronqué)")
    body = r["text"].rsplit("\n", 1)[0]
    assert long.startswith(body)  # cut on a line boundary
    # an open code fence is closed before the notice
    fenced = "```\n" + "y" * 20000
    t = m.command_response(fenced, truncated_notice="[cut]")["text"]
    assert len(t) <= m.MAX_POST_TEXT and t.endswith("```\n[cut]")
    assert t.count("```") == 2
    # one long line, no newline at all
    t = m.command_response("z" * 20000, truncated_notice="…")["text"]
    assert len(t) <= m.MAX_POST_TEXT and t.endswith("…")
    # exactly at the limit: untouched
    exact = "a" * m.MAX_POST_TEXT
    assert m.command_response(exact)["text"] == exact


def test_action_response():
    assert m.action_response() == {}
    assert m.action_response(update_message="done", update_props={"attachments": []},
                             ephemeral_text="ok") == {
        "update": {"message": "done", "props": {"attachments": []}}, "ephemeral_text": "ok"}
    assert m.action_response(ephemeral_text="x") == {"ephemeral_text": "x"}


# ------------------------------------------------------------------ dialogs


def test_dialog_and_elements():
    t = m.text_element("title", "Title", max_length=80, default="d", placeholder="p", help_text="h")
    assert t == {"type": "text", "name": "title", "display_name": "Title", "optional": False,
                 "default": "d", "placeholder": "p", "help_text": "h", "subtype": "text",
                 "max_length": 80}
    ta = m.textarea_element("body", "Body", optional=True)
    assert ta["type"] == "textarea" and ta["max_length"] == 3000 and ta["optional"] is True
    sel = m.select_element("kind", "Kind", [("A", "a"), ("B", "b")], default="b")
    assert sel["options"] == [{"text": "A", "value": "a"}, {"text": "B", "value": "b"}]
    assert sel["default"] == "b"
    d = m.dialog("cb", "A very long dialog title indeed", [t, ta, sel], submit_label="Save",
                 state="signed", introduction_text="Intro")
    assert len(d["title"]) <= 24 and d["title"].endswith("…")
    assert d["callback_id"] == "cb" and d["state"] == "signed" and d["submit_label"] == "Save"
    assert d["notify_on_cancel"] is False and d["introduction_text"] == "Intro"
    assert [e["name"] for e in d["elements"]] == ["title", "body", "kind"]


def test_dialog_limits():
    e = m.text_element("n", "A display name far too long for Mattermost", help_text="h" * 400,
                       placeholder="p" * 400, default="x" * 300)
    assert len(e["display_name"]) <= 24 and e["display_name"].endswith("…")
    assert len(e["help_text"]) == 150 and len(e["placeholder"]) == 150
    assert len(e["default"]) == 150
    with pytest.raises(ValueError):
        m.text_element("n", "N", max_length=151)
    with pytest.raises(ValueError):
        m.textarea_element("n", "N", max_length=3001)
    with pytest.raises(ValueError):
        m.text_element("n", "N", subtype="color")
    with pytest.raises(ValueError):
        m.text_element("", "N")
    with pytest.raises(ValueError):
        m.select_element("s", "S", [("A", "a")], default="zzz")
    with pytest.raises(ValueError):
        m.dialog("cb", "T", [m.text_element("n", "N"), m.text_element("n", "N2")],
                 submit_label="OK", state="")
    assert m.text_element("e", "E", subtype="email")["subtype"] == "email"


def test_progress_bar():
    assert m.progress_bar(3, 10) == "▰▰▰▱▱▱▱▱▱▱ 3/10 (30 %)"
    assert m.progress_bar(0, 0) == "▱▱▱▱▱▱▱▱▱▱ 0/0 (0 %)"
    assert m.progress_bar(10, 10) == "▰▰▰▰▰▰▰▰▰▰ 10/10 (100 %)"
    assert m.progress_bar(199, 200).endswith("199/200 (99 %)")
    assert m.progress_bar(199, 200).count("▰") == 9
    assert m.progress_bar(15, 10) == "▰▰▰▰▰▰▰▰▰▰ 10/10 (100 %)"
    assert m.progress_bar(1, 4, width=4) == "▰▱▱▱ 1/4 (25 %)"


# ------------------------------------------------------------------ verification


def test_verify_command_token():
    accepted = ["tok-checklist", "tok-role", ""]
    assert verify_command_token("tok-role", accepted) is True
    assert verify_command_token("tok-rolE", accepted) is False
    assert verify_command_token("", accepted) is False
    assert verify_command_token(None, accepted) is False
    assert verify_command_token("x", []) is False
    assert verify_command_token("ünïcode", ["ünïcode"]) is True


def test_verify_compares_every_token_without_early_exit(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify_command_token("first", ["first", "second", "third"]) is True
    assert len(calls) == 3  # did not stop at the first match
    calls.clear()
    assert verify_command_token("nope", ["first", "second", "third"]) is False
    assert len(calls) == 3


def test_extract_command_token():
    assert extract_command_token(Headers({"Authorization": "Token abc"}), MultiDict({"token": "zzz"})) == "abc"
    assert extract_command_token({"authorization": "token  abc "}, {}) == "abc"
    assert extract_command_token(Headers({"Authorization": "Bearer abc"}), MultiDict({"token": "f"})) == "f"
    assert extract_command_token({}, MultiDict({"token": " f "})) == "f"
    assert extract_command_token({}, {"token": ["g"]}) == "g"
    assert extract_command_token({}, {}) is None
    assert extract_command_token(None, None) is None
    assert extract_command_token({"Authorization": "Token "}, {"token": ""}) is None
