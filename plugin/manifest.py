"""manifest.json, generated from the declared command grammar (never edited by hand)."""
from __future__ import annotations

import json
from pathlib import Path

from plugin.commands.registry import TRIGGERS

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.json"
VERSION = "0.1.0"


def build_manifest() -> dict:
    commands = []
    for trigger in TRIGGERS:
        for word in trigger.words():
            locale_first = "en" if word == trigger.en_name and word != trigger.name else "fr"
            commands.append({
                "trigger": word,
                "method": "P",
                "url": "{base_url}/mattermost/command",
                "display_name": f"Consortia /{word}",
                "description": {"fr": trigger.describe("fr"), "en": trigger.describe("en")},
                "auto_complete": True,
                "auto_complete_desc": {"fr": trigger.describe("fr"), "en": trigger.describe("en")},
                "auto_complete_hint": {"fr": trigger.hint("fr"), "en": trigger.hint("en")},
                "language": locale_first,
                "subcommands": [
                    {"key": sub.key, "fr": sub.fr, "en": sub.en, "usage": {"fr": sub.usage(word, "fr"),
                                                                          "en": sub.usage(word, "en")},
                     "example": {"fr": f"/{word} {sub.example('fr')}", "en": f"/{word} {sub.example('en')}"},
                     "description": {"fr": sub.summary.in_locale("fr"), "en": sub.summary.in_locale("en")}}
                    for sub in trigger.subcommands
                ],
            })
    return {
        "id": "fr.inclusion.consortia",
        "name": "Consortia",
        "version": VERSION,
        "description": {
            "fr": "Construire et animer des consortiums thématiques de SIAE et de fondations dans Mattermost "
                  "et Nextcloud.",
            "en": "Build and run thematic consortiums of inclusion employers and foundations in Mattermost "
                  "and Nextcloud.",
        },
        "homepage_url": "{base_url}",
        "commands": commands,
        "http_endpoints": {
            "command": {"method": "POST", "path": "/mattermost/command",
                        "for": "every slash command (dispatch on the command field)"},
            "action": {"method": "POST", "path": "/mattermost/action", "for": "message buttons and menus"},
            "dialog": {"method": "POST", "path": "/mattermost/dialog", "for": "interactive dialog submissions"},
            "calendar_feed": {"method": "GET", "path": "/calendars/<consortium-slug>/<feed-token>.ics"},
            "health": {"method": "GET", "path": "/healthz"},
            "metrics": {"method": "GET", "path": "/metrics"},
            "api": {"method": "*", "path": "/api/v1/...", "openapi": "/api/v1/openapi.json"},
        },
        "bot": {
            "username": "consortia",
            "display_name": "Consortia",
            "permissions": [
                "create_private_channel", "create_public_channel", "manage_private_channel_members",
                "manage_public_channel_members", "manage_private_channel_properties",
                "manage_public_channel_properties", "delete_private_channel", "delete_public_channel",
                "create_post", "edit_others_posts", "pin posts (channel admin or edit_post)", "upload_file",
                "view_members", "read_channel",
            ],
            "notes": "Add the bot to the network's team. Installing the slash commands needs a system admin token "
                     "once (manage_slash_commands): `consortia mattermost install`.",
        },
        "settings": [
            "CONSORTIA_DATABASE_URL", "CONSORTIA_BASE_URL", "CONSORTIA_SECRET_KEY", "CONSORTIA_MATTERMOST_URL",
            "CONSORTIA_MATTERMOST_TOKEN", "CONSORTIA_MATTERMOST_TEAM", "CONSORTIA_COMMAND_TOKENS",
            "CONSORTIA_API_TOKENS", "CONSORTIA_ADMINS", "CONSORTIA_CALDAV_URL", "CONSORTIA_CALDAV_USERNAME",
            "CONSORTIA_CALDAV_PASSWORD", "CONSORTIA_SMTP_URL", "CONSORTIA_MAIL_FROM", "CONSORTIA_TIMEZONE",
            "CONSORTIA_LOCALE",
        ],
    }


def render_manifest() -> str:
    return json.dumps(build_manifest(), ensure_ascii=False, indent=2) + "\n"


def write_manifest(path: Path = MANIFEST_PATH) -> None:
    path.write_text(render_manifest(), encoding="utf-8")
