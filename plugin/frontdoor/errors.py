"""The one table from a refusal to what each way in answers: the API's error code and HTTP status
(also the web pages' status) and the CLI's exit code."""
from __future__ import annotations

from dataclasses import dataclass

from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound, Refusal, Unavailable


@dataclass(frozen=True)
class Answer:
    code: str     # the API's machine-readable word
    http: int     # the API's and the web pages' status
    exit: int     # the CLI's exit code: 2 for input to correct (click's convention), 1 otherwise


REFUSALS: dict[type[Refusal], Answer] = {
    Invalid: Answer("invalid", 400, 2),
    NotFound: Answer("not_found", 404, 1),
    Forbidden: Answer("forbidden", 403, 1),
    Conflict: Answer("conflict", 409, 1),
    Unavailable: Answer("unavailable", 503, 1),
    Refusal: Answer("error", 400, 1),
}

# HTTP errors that are no refusal (raised by Flask and the server), as the API's words.
OTHER_HTTP = {401: "unauthorized", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              429: "too_many_requests", 500: "internal"}


def answer(refusal: Refusal) -> Answer:
    for kind in type(refusal).__mro__:
        if kind in REFUSALS:
            return REFUSALS[kind]
    return REFUSALS[Refusal]


def http_code(status: int) -> str:
    """The API's word for an HTTP status (JSON errors of the API and of Mattermost's endpoints)."""
    for entry in REFUSALS.values():
        if entry.http == status and entry.code != "error":
            return entry.code
    return OTHER_HTTP.get(status, "error")
