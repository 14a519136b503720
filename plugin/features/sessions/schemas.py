"""Valid input for /session: the slash command (field names are the grammar's Arg and Option keys),
the planning form (its element names, with its signed state) and the card's buttons.

Dates are read in the consortium's zone at the request's moment: the runner gives both to the
schema (``plugin.schemas.fields.request_moment``)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validates_schema

from plugin.dates import (
    DateError, parse_date, parse_duration, parse_time_range, parse_when as read_when, validate_future,
)
from plugin.i18n import _
from plugin.schemas.fields import CleanText, ItemNumber, request_moment

DEFAULT_DURATION = timedelta(hours=2)
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(days=3)
MAX_AHEAD = timedelta(days=2 * 365)
_URL_FORBIDDEN = re.compile(r"[\s<>\"\\^`{|}\x00-\x1f\x7f]")
PLAN_FIELDS = ("title", "date", "time", "duration", "place", "video", "agenda")


class VideoUrl(fields.String):
    """An http(s) link to a video meeting (no other scheme, no spaces, no control characters)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value or "").strip()
        if not text:
            return ""
        if len(text) > 500:
            raise ValidationError(_("Too long: {length} characters, at most {limit}.", length=len(text), limit=500))
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
                or _URL_FORBIDDEN.search(text)):
            raise ValidationError(_("The video link must be a web address starting with https:// "
                                    "(for example https://visio.example.org/room)."))
        return text


def _when(date_text: str, time_text: str, *, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """The start, and the end when the time is a range (``de 14h à 16h30``, ``from 2pm to 4:30pm``)."""
    when = read_when(date_text, time_text, now=now, tz=tz)
    validate_future(when.start, now=now, max_ahead=MAX_AHEAD)
    if when.end is not None:
        try:
            _check_length(when.end - when.start, time_text)
        except DateError as error:
            raise ValidationError({"time": [error.message]}) from None
    return when.start, when.end


def _check_length(duration: timedelta, text: str) -> None:
    if duration < MIN_DURATION or duration > MAX_DURATION:
        raise DateError("unparsable", _("A session lasts between 5 minutes and 3 days; “{text}” is outside.",
                                        text=str(text)[:40]))


def _duration(text: str | None) -> timedelta:
    if not text:
        return DEFAULT_DURATION
    duration = parse_duration(text)
    _check_length(duration, text)
    return duration


def parse_when(data: dict) -> None:
    """``data["starts_at"]`` (and ``data["ends_at"]`` for a time range, else None) from its date and
    time, or the errors of each, by field."""
    now, tz = request_moment()
    errors = {}
    try:
        parse_time_range(data.get("time") or "")
    except DateError as error:
        errors["time"] = [error.message]
    try:
        parse_date(data.get("date") or "", now=now, tz=tz)
    except DateError as error:
        errors["date"] = [error.message]
    if errors:
        raise ValidationError(errors)
    try:
        data["starts_at"], data["ends_at"] = _when(data.get("date") or "", data.get("time") or "", now=now, tz=tz)
    except DateError as error:
        key = "time" if error.code in ("nonexistent", "ambiguous") else "date"
        raise ValidationError({key: [error.message]}) from None


class PlanSchema(Schema):
    """A session to plan: from the command (all three of title, date and time, or nothing at all: the
    form opens) or from the form (its state ``c``, the consortium, rides along)."""

    class Meta:
        unknown = EXCLUDE

    title = CleanText(load_default=None, min_length=2, max_length=200)
    date = fields.String(load_default=None)
    time = fields.String(load_default=None)
    duration = fields.String(load_default=None, allow_none=True)
    place = CleanText(load_default="", min_length=0, max_length=300)
    video = VideoUrl(load_default="")
    agenda = CleanText(load_default="", min_length=0, max_length=4000, multiline=True)
    confirm = fields.Boolean(load_default=False)  # plan it even if it looks like the one just planned
    form = fields.Boolean(load_default=False)     # submitted from the form
    channel_id = fields.String(load_default="")   # where the form was opened: its confirmation goes there

    @pre_load
    def _shape(self, raw, **kwargs):
        raw = dict(raw)
        if "c" in raw:   # the form's state (forms opened before the port carry only "c")
            raw = {key: value for key, value in raw.items() if value not in (None, "")}
            for key in ("title", "date", "time"):
                raw.setdefault(key, "")
            raw["form"] = True
        elif any(raw.get(key) for key in PLAN_FIELDS) and not all(raw.get(key) for key in ("title", "date", "time")):
            raise ValidationError(_("Give the title, the date and the time of the session."))
        return raw

    @validates_schema(skip_on_field_errors=False)
    def _dates(self, data, **kwargs):
        if not data.get("form") and not any(data.get(key) for key in PLAN_FIELDS):
            return  # nothing given: the form opens
        errors = {}
        try:
            data["duration_value"] = _duration(data.get("duration"))
        except DateError as error:
            errors["duration"] = [error.message]
        try:
            parse_when(data)
        except ValidationError as error:
            errors.update(error.messages)
        if not errors and data["ends_at"] is not None:
            if data.get("duration"):
                errors["duration"] = [_("“{range}” already says when the session ends: give the time range or "
                                        "the duration “{duration}”, not both.", range=str(data["time"])[:40],
                                        duration=str(data["duration"])[:40])]
            data["duration_value"] = data["ends_at"] - data["starts_at"]
        if errors:
            raise ValidationError(errors)


class MoveSchema(Schema):
    number = ItemNumber(required=True)
    date = fields.String(required=True)
    time = fields.String(required=True)

    @validates_schema(skip_on_field_errors=False)
    def _dates(self, data, **kwargs):
        parse_when(data)


class NumberSchema(Schema):
    number = ItemNumber(required=True)


class MinutesSchema(Schema):
    number = ItemNumber(required=True)
    text = CleanText(required=True, min_length=2, max_length=8000, multiline=True)


class SubscribeSchema(Schema):
    mine = fields.Boolean(load_default=False)
    new_link = fields.Boolean(load_default=False)
    consortium = fields.String(load_default=None)   # a slug: otherwise the channel's consortium


class RsvpSchema(Schema):
    """A card's answer button: ``s`` the session's id, ``r`` the answer (checked by the use case)."""

    class Meta:
        unknown = EXCLUDE

    session_id = fields.Raw(data_key="s", load_default=None)
    answer = fields.Raw(data_key="r", load_default="")


class PlanAgainSchema(Schema):
    """The confirmation button of a look-alike session: what was typed, as read then (signed in the button)."""

    class Meta:
        unknown = EXCLUDE

    title = CleanText(required=True, min_length=2, max_length=200)
    starts_at = fields.AwareDateTime(required=True, data_key="s")
    ends_at = fields.AwareDateTime(required=True, data_key="e")
    place = CleanText(load_default="", min_length=0, max_length=300)
    video = VideoUrl(load_default="")
    agenda = CleanText(load_default="", min_length=0, max_length=4000, multiline=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError(_("A session lasts between 5 minutes and 3 days; “{text}” is outside.",
                                    text=data["ends_at"].isoformat()[:40]))
