"""Mattermost message, attachment, slash-command and dialog builders (pure functions).

Strings passed in are already translated; nothing here imports the domain.

Limits (Mattermost interactive dialogs and slash commands) and how they are enforced:

* developer-chosen *labels* that may overflow once translated (dialog ``title``,
  element ``display_name``, ``help_text``, ``placeholder``) are **truncated** with an
  ellipsis rather than failing in production: title/display_name 24 characters,
  help_text/placeholder 150;
* *programming errors* raise ``ValueError``: a ``max_length`` above the element's
  limit (text 150, textarea 3000), an unknown text ``subtype``, an action id that is
  not purely alphanumeric, an empty element name;
* a default value longer than the element's ``max_length`` is truncated to it;
* a slash command response text is cut below 16383 characters on a line boundary
  when possible, never inside an open code fence (it is closed), and ends with the
  caller's ``truncated_notice``.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

__all__ = [
    "escape_markdown",
    "escape_markdown_block",
    "mention",
    "neutralise_mentions",
    "attachment",
    "button",
    "select",
    "command_response",
    "action_response",
    "dialog",
    "text_element",
    "textarea_element",
    "select_element",
    "progress_bar",
    "MAX_POST_TEXT",
    "DIALOG_TITLE_MAX",
    "ELEMENT_DISPLAY_NAME_MAX",
    "TEXT_MAX_LENGTH",
    "TEXTAREA_MAX_LENGTH",
    "HELP_TEXT_MAX",
]

MAX_POST_TEXT = 16383
DIALOG_TITLE_MAX = 24
ELEMENT_DISPLAY_NAME_MAX = 24
TEXT_MAX_LENGTH = 150
TEXTAREA_MAX_LENGTH = 3000
HELP_TEXT_MAX = 150
PLACEHOLDER_MAX = 150
TEXT_SUBTYPES = ("text", "email", "number", "password", "tel", "url")

ZWSP = "\u200b"  # zero-width space: "@\u200bchannel" renders as @channel, notifies no one
ELLIPSIS = "…"

# ------------------------------------------------------------------------ escaping

# An "@" starting a word (not inside an e-mail address) followed by a mention
# character: @channel, @all, @here, @everyone, @someone... are all neutralised, so
# echoed user text can never notify anybody.
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9])@(?=[A-Za-z0-9._\-])")
# Inline Markdown specials, escaped with a backslash everywhere.
_INLINE_SPECIALS_RE = re.compile(r"([\\`*_~|\[\]>])")
# Characters that start a block construct at the beginning of a line.
_LINE_START_RE = re.compile(r"^(\s*)(#|[-+=]|\d+(?=[.)]))")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINES_RE = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")


def _neutralise(text: str) -> str:
    text = _CONTROL_RE.sub("", text.replace("\t", " "))
    text = _MENTION_RE.sub("@" + ZWSP, text)
    text = _INLINE_SPECIALS_RE.sub(r"\\\1", text)
    # "<" is not a Markdown escapable character in Mattermost's renderer: use the entity
    return text.replace("<", "&lt;")


def _escape_line_start(line: str) -> str:
    line = line.lstrip(" ")  # 4+ leading spaces would open an indented code block
    m = _LINE_START_RE.match(line)
    if not m:
        return line
    lead, marker = m.group(1), m.group(2)
    rest = line[m.end():]
    if marker.isdigit():  # "1." / "1)" ordered list
        return f"{lead}{marker}\\{rest}"
    return f"{lead}\\{marker}{rest}"


def escape_markdown(text: str | None) -> str:
    """Escape user text for *inline* use in a Mattermost message.

    Newlines are collapsed to spaces; every ``@mention`` (``@channel``, ``@all``,
    ``@here``, ``@everyone`` in any case, and user names) gets a zero-width space after
    the ``@`` so it renders but notifies no one; Markdown specials
    (``\\ ` * _ ~ | [ ] >``) are backslash-escaped and ``<`` becomes ``&lt;``; a
    leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.`` cannot start a heading, quote
    or list.
    """
    if not text:
        return ""
    one_line = _NEWLINES_RE.sub(" ", str(text))
    return _escape_line_start(_neutralise(one_line).strip())


def escape_markdown_block(text: str | None) -> str:
    """Like :func:`escape_markdown` but keeps line breaks.

    Each line is escaped on its own: no heading, quote, list, code fence (backticks
    and tildes are escaped), table (pipes are escaped), setext underline or indented
    code block can break out of the surrounding message.
    """
    if not text:
        return ""
    lines = _NEWLINES_RE.sub("\n", str(text)).split("\n")
    return "\n".join(_escape_line_start(_neutralise(line)) for line in lines).strip("\n")


_USERNAME_RE = re.compile(r"^[a-z0-9._-]+$")
_RESERVED_MENTIONS = {"channel", "all", "here", "everyone"}
_LOUD_MENTION_RE = re.compile(r"(?<![A-Za-z0-9])@(?=(?:channel|all|here|everyone)(?![A-Za-z0-9]))",
                              re.IGNORECASE)


def neutralise_mentions(text: str | None) -> str:
    """``@channel``, ``@all``, ``@here`` and ``@everyone`` (any case) made silent, nothing else touched.

    The last line of defence for whole messages (which carry intended Markdown and
    @user mentions): the service never means to notify a whole channel, so a value
    echoed without :func:`escape_markdown` still notifies no one.
    """
    return _LOUD_MENTION_RE.sub("@" + ZWSP, text) if text else (text or "")


def mention(username: str | None) -> str:
    """``@username`` for a valid Mattermost username, else the escaped text.

    A leading ``@`` is accepted. ``channel``/``all``/``here``/``everyone`` are never
    turned into mentions.
    """
    name = (username or "").strip()
    if name.startswith("@"):
        name = name[1:]
    if _USERNAME_RE.match(name) and name not in _RESERVED_MENTIONS:
        return "@" + name
    return escape_markdown(username or "")


# ----------------------------------------------------------------- attachments

_ACTION_ID_RE = re.compile(r"^[A-Za-z0-9]+$")


def attachment(*, text: str | None = None, title: str | None = None, color: str | None = None,
               fields: Sequence[Mapping[str, Any]] | None = None,
               actions: Sequence[Mapping[str, Any]] | None = None,
               fallback: str | None = None) -> dict:
    """A message attachment (``props.attachments`` item); None values are omitted.

    ``fields`` items are ``{"title", "value", "short"}`` dicts. ``fallback`` defaults
    to the title or the text (used in notifications).
    """
    out: dict[str, Any] = {}
    if fallback is None:
        fallback = title or text
    if fallback:
        out["fallback"] = fallback
    if color:
        out["color"] = color
    if title is not None:
        out["title"] = title
    if text is not None:
        out["text"] = text
    if fields:
        out["fields"] = [
            {"title": f.get("title", ""), "value": f.get("value", ""),
             "short": bool(f.get("short", False))}
            for f in fields
        ]
    if actions:
        out["actions"] = [dict(a) for a in actions]
    return out


def _check_action_id(action_id: str) -> str:
    if not isinstance(action_id, str) or not _ACTION_ID_RE.match(action_id):
        raise ValueError(
            f"Mattermost action ids must be alphanumeric (no dashes/underscores): {action_id!r}")
    return action_id


def button(id: str, name: str, url: str, context: Mapping[str, Any],  # noqa: A002
           style: str = "default") -> dict:
    """A message action button: Mattermost POSTs ``context`` to ``url`` when clicked."""
    return {
        "id": _check_action_id(id),
        "name": name,
        "type": "button",
        "style": style,
        "integration": {"url": url, "context": dict(context)},
    }


def _options(options: Iterable[Any]) -> list[dict]:
    out = []
    for opt in options:
        if isinstance(opt, Mapping):
            out.append({"text": str(opt["text"]), "value": str(opt["value"])})
        else:
            text, value = opt
            out.append({"text": str(text), "value": str(value)})
    return out


def select(id: str, name: str, url: str, context: Mapping[str, Any],  # noqa: A002
           options: Iterable[Any]) -> dict:
    """A message menu; ``options`` are ``(text, value)`` pairs or ``{"text","value"}``.

    The chosen value comes back in the action payload as ``context["selected_option"]``.
    """
    return {
        "id": _check_action_id(id),
        "name": name,
        "type": "select",
        "integration": {"url": url, "context": dict(context)},
        "options": _options(options),
    }


# ----------------------------------------------------------- command responses


def _truncate_text(text: str, limit: int, notice: str) -> str:
    if len(text) <= limit:
        return text
    suffix = "\n" + notice if notice else ""
    budget = limit - len(suffix) - len("\n```")  # room to close a code fence
    if budget <= 0:
        return notice[:limit]
    cut = text[:budget]
    newline = cut.rfind("\n")
    if newline >= budget // 2:  # cut on a line boundary when it does not lose too much
        cut = cut[:newline]
    if cut and "\ud800" <= cut[-1] <= "\udbff":  # never split a surrogate pair
        cut = cut[:-1]
    cut = cut.rstrip()
    if len(re.findall(r"^\s*(```|~~~)", cut, flags=re.MULTILINE)) % 2:
        cut += "\n```"
    return cut + suffix


def command_response(text: str, *, in_channel: bool = False,
                     attachments: Sequence[Mapping[str, Any]] | None = None,
                     props: Mapping[str, Any] | None = None,
                     extra_responses: Sequence[Mapping[str, Any]] | None = None,
                     truncated_notice: str = ELLIPSIS) -> dict:
    """A slash command response (``ephemeral`` unless ``in_channel``).

    ``text`` longer than 16383 characters is cut (see module docstring) and ends with
    ``truncated_notice`` (a translated "… (truncated)" supplied by the caller).
    """
    out: dict[str, Any] = {
        "response_type": "in_channel" if in_channel else "ephemeral",
        "text": _truncate_text(neutralise_mentions(text), MAX_POST_TEXT, truncated_notice),
    }
    if attachments:
        out["attachments"] = [dict(a) for a in attachments]
    if props:
        out["props"] = dict(props)
    if extra_responses:
        out["extra_responses"] = [dict(r, text=neutralise_mentions(r["text"])) if isinstance(r.get("text"), str)
                                  else dict(r) for r in extra_responses]
    return out


def action_response(*, update_message: str | None = None,
                    update_props: Mapping[str, Any] | None = None,
                    ephemeral_text: str | None = None) -> dict:
    """Answer to a message action: optionally update the post and/or say something
    only to the clicking user. ``{}`` changes nothing."""
    out: dict[str, Any] = {}
    update: dict[str, Any] = {}
    if update_message is not None:
        update["message"] = neutralise_mentions(update_message)
    if update_props is not None:
        update["props"] = dict(update_props)
    if update:
        out["update"] = update
    if ephemeral_text:
        out["ephemeral_text"] = neutralise_mentions(ephemeral_text)
    return out


# --------------------------------------------------------------------- dialogs


def _fit(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value)
    if len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + ELLIPSIS


def _check_name(name: str) -> str:
    if not name or not isinstance(name, str):
        raise ValueError("dialog element name must be a non-empty string")
    return name


def _element(kind: str, name: str, display_name: str, *, optional: bool,
             default: Any, placeholder: str | None, help_text: str | None) -> dict:
    el: dict[str, Any] = {
        "type": kind,
        "name": _check_name(name),
        "display_name": _fit(display_name, ELEMENT_DISPLAY_NAME_MAX),
        "optional": bool(optional),
    }
    if default is not None:
        el["default"] = default
    if placeholder is not None:
        el["placeholder"] = _fit(placeholder, PLACEHOLDER_MAX)
    if help_text is not None:
        el["help_text"] = _fit(help_text, HELP_TEXT_MAX)
    return el


def _text_like(kind: str, limit: int, name: str, display_name: str, *, optional: bool,
               max_length: int, min_length: int | None, default: str | None,
               placeholder: str | None, help_text: str | None, subtype: str) -> dict:
    if not isinstance(max_length, int) or not 1 <= max_length <= limit:
        raise ValueError(f"{kind} element max_length must be between 1 and {limit}")
    if subtype not in TEXT_SUBTYPES:
        raise ValueError(f"unknown text subtype {subtype!r} (one of {TEXT_SUBTYPES})")
    if default is not None:
        default = str(default)[:max_length]
    el = _element(kind, name, display_name, optional=optional, default=default,
                  placeholder=placeholder, help_text=help_text)
    el["subtype"] = subtype
    el["max_length"] = max_length
    if min_length is not None:
        if not 0 <= min_length <= max_length:
            raise ValueError("min_length must be between 0 and max_length")
        el["min_length"] = min_length
    return el


def text_element(name: str, display_name: str, *, optional: bool = False,
                 max_length: int = TEXT_MAX_LENGTH, min_length: int | None = None,
                 default: str | None = None, placeholder: str | None = None,
                 help_text: str | None = None, subtype: str = "text") -> dict:
    """A one-line text input (``max_length`` ≤ 150)."""
    return _text_like("text", TEXT_MAX_LENGTH, name, display_name, optional=optional,
                      max_length=max_length, min_length=min_length, default=default,
                      placeholder=placeholder, help_text=help_text, subtype=subtype)


def textarea_element(name: str, display_name: str, *, optional: bool = False,
                     max_length: int = TEXTAREA_MAX_LENGTH, min_length: int | None = None,
                     default: str | None = None, placeholder: str | None = None,
                     help_text: str | None = None) -> dict:
    """A multi-line text input (``max_length`` ≤ 3000)."""
    return _text_like("textarea", TEXTAREA_MAX_LENGTH, name, display_name, optional=optional,
                      max_length=max_length, min_length=min_length, default=default,
                      placeholder=placeholder, help_text=help_text, subtype="text")


def select_element(name: str, display_name: str, options: Iterable[Any], *,
                   optional: bool = False, default: str | None = None,
                   placeholder: str | None = None, help_text: str | None = None) -> dict:
    """A drop-down; ``options`` are ``(text, value)`` pairs or ``{"text","value"}``.

    ``default`` must be one of the option values (ValueError otherwise).
    """
    opts = _options(options)
    if default is not None and str(default) not in {o["value"] for o in opts}:
        raise ValueError(f"select default {default!r} is not one of the option values")
    el = _element("select", name, display_name, optional=optional,
                  default=None if default is None else str(default),
                  placeholder=placeholder, help_text=help_text)
    el["options"] = opts
    return el


def dialog(callback_id: str, title: str, elements: Sequence[Mapping[str, Any]], *,
           submit_label: str, state: str, notify_on_cancel: bool = False,
           introduction_text: str = "") -> dict:
    """The ``dialog`` object of ``POST /actions/dialogs/open`` (title cut to 24 chars).

    ``state`` comes back verbatim with the submission: sign it (Mattermost does not).
    """
    names = [e.get("name") for e in elements]
    if len(names) != len(set(names)):
        raise ValueError("dialog element names must be unique")
    out: dict[str, Any] = {
        "callback_id": callback_id,
        "title": _fit(title, DIALOG_TITLE_MAX),
        "elements": [dict(e) for e in elements],
        "submit_label": submit_label,
        "notify_on_cancel": bool(notify_on_cancel),
        "state": state,
    }
    if introduction_text:
        out["introduction_text"] = introduction_text
    return out


# ------------------------------------------------------------------------ misc


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """``▰▰▰▱▱▱▱▱▱▱ 3/10 (30 %)``; the bar is full and 100 % only when all is done."""
    width = max(1, int(width))
    total = max(0, int(total))
    done = min(max(0, int(done)), total)
    if total == 0:
        filled, percent = 0, 0
    else:
        filled = done * width // total
        percent = done * 100 // total
    return f"{'▰' * filled}{'▱' * (width - filled)} {done}/{total} ({percent} %)"
