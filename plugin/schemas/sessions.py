"""Valid input for /session (slash command and the planning dialog)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validates_schema

from plugin.dates import DateError, parse_datetime_parts, parse_date, parse_duration, parse_time, validate_future
from plugin.i18n import _
from plugin.schemas.fields import CleanText, ItemNumber

DEFAULT_DURATION = timedelta(hours=2)
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(days=3)
MAX_AHEAD = timedelta(days=2 * 365)
_URL_FORBIDDEN = re.compile(r"[\s<>\"\\^`{|}\x00-\x1f\x7f]")


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


def _when(date_text: str, time_text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    starts = parse_datetime_parts(date_text, time_text, now=now, tz=tz)
    validate_future(starts, now=now, max_ahead=MAX_AHEAD)
    return starts


def _duration(text: str | None) -> timedelta:
    if not text:
        return DEFAULT_DURATION
    duration = parse_duration(text)
    if duration < MIN_DURATION or duration > MAX_DURATION:
        raise DateError("unparsable", _("A session lasts between 5 minutes and 3 days; “{text}” is outside.",
                                        text=str(text)[:40]))
    return duration


class _Timed(Schema):
    """Dates need the consortium's zone and the current time: pass them to the constructor."""

    def __init__(self, *, now: datetime, tz: ZoneInfo, **kwargs):
        super().__init__(**kwargs)
        self.now, self.tz = now, tz

    def _parse_when(self, data: dict) -> None:
        errors = {}
        try:
            parse_time(data.get("time") or "")
        except DateError as error:
            errors["time"] = [error.message]
        try:
            parse_date(data.get("date") or "", now=self.now, tz=self.tz)
        except DateError as error:
            errors["date"] = [error.message]
        if errors:
            raise ValidationError(errors)
        try:
            data["starts_at"] = _when(data.get("date") or "", data.get("time") or "", now=self.now, tz=self.tz)
        except DateError as error:
            key = "time" if error.code in ("nonexistent", "ambiguous") else "date"
            raise ValidationError({key: [error.message]}) from None


class SessionPlanSchema(_Timed):
    title = CleanText(required=True, min_length=2, max_length=200)
    date = fields.String(required=True)
    time = fields.String(required=True)
    duration = fields.String(load_default=None, allow_none=True)
    place = CleanText(load_default="", min_length=0, max_length=300)
    video = VideoUrl(load_default="")
    agenda = CleanText(load_default="", min_length=0, max_length=4000, multiline=True)

    @validates_schema(skip_on_field_errors=False)
    def _dates(self, data, **kwargs):
        errors = {}
        try:
            data["duration_value"] = _duration(data.get("duration"))
        except DateError as error:
            errors["duration"] = [error.message]
        try:
            self._parse_when(data)
        except ValidationError as error:
            errors.update(error.messages)
        if errors:
            raise ValidationError(errors)


class SessionMoveSchema(_Timed):
    number = ItemNumber(required=True)
    date = fields.String(required=True)
    time = fields.String(required=True)

    @validates_schema(skip_on_field_errors=False)
    def _dates(self, data, **kwargs):
        self._parse_when(data)


class SessionNumberSchema(Schema):
    number = ItemNumber(required=True)


class SessionMinutesSchema(Schema):
    number = ItemNumber(required=True)
    text = CleanText(required=True, min_length=2, max_length=8000, multiline=True)


class SubscribeSchema(Schema):
    mine = fields.Boolean(load_default=False)
    new_link = fields.Boolean(load_default=False)
