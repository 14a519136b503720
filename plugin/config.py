"""The configuration contract (PRODUCT.md §3).

Values come from the environment (a ``.env`` file may set them). A bad value stops
start-up with one line naming the variable: ``ConfigError`` carries that line.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from plugin.i18n import SUPPORTED_LOCALES

PREFIX = "CONSORTIA_"


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""


def _csv(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    base_url: str = "http://127.0.0.1:8080"
    secret_key: str = ""
    mattermost_url: str | None = None
    mattermost_token: str | None = None
    mattermost_team: str | None = None
    command_tokens: tuple[str, ...] = ()
    api_tokens: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    # How long what Mattermost said about a person (name, e-mail, roles) is trusted before asking again.
    directory_ttl_seconds: int = 300
    caldav_url: str | None = None
    caldav_username: str | None = None
    caldav_password: str | None = None
    smtp_url: str | None = None
    mail_from: str | None = None
    timezone: str = "Europe/Paris"
    locale: str = "fr"
    run_worker: bool = True
    worker_poll_seconds: float = 1.0
    redis_url: str | None = None          # shared storage of the rate limits (memory when unset)
    proxies: int = 0                      # reverse proxies in front: whose X-Forwarded-For to trust
    callback_rate_limit: str = "300 per minute"          # /mattermost/action and /mattermost/dialog
    form_rate_limit: str = "8 per minute;60 per hour"    # POSTs of the public AMI form
    ami_channel: str = "town-square"      # the team's channel (by name) where a new call is announced
    ami_retention_months: int = 24        # contact details of a closed call's answers are erased after
    testing: bool = False
    extra: dict = field(default_factory=dict)

    # Secrets must never reach a log line through a repr.
    def __repr__(self) -> str:
        shown = {
            "database_url": _redact_url(self.database_url),
            "base_url": self.base_url,
            "mattermost_url": self.mattermost_url,
            "mattermost_team": self.mattermost_team,
            "caldav_url": self.caldav_url,
            "smtp_url": _redact_url(self.smtp_url) if self.smtp_url else None,
            "redis_url": _redact_url(self.redis_url) if self.redis_url else None,
            "proxies": self.proxies,
            "timezone": self.timezone,
            "locale": self.locale,
        }
        return f"Settings({shown})"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def mattermost_configured(self) -> bool:
        return bool(self.mattermost_url and self.mattermost_token)

    @property
    def caldav_configured(self) -> bool:
        return bool(self.caldav_url)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_url and self.mail_from)

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)


def _redact_url(url: str | None) -> str | None:
    if not url:
        return url
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


def _check_http_url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{PREFIX}{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _default_secret(instance_dir: Path) -> str:
    """Generate the secret once and keep it in the instance dir (mode 0600)."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


_SLUGISH = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def load_settings(env: dict[str, str] | None = None, *, instance_dir: Path | None = None,
                  load_dotenv_file: bool = True) -> Settings:
    """Read and validate the environment; raise ConfigError on the first bad value."""
    if env is None:
        if load_dotenv_file:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        env = dict(os.environ)

    def get(name: str) -> str | None:
        value = env.get(PREFIX + name)
        return value.strip() if value and value.strip() else None

    instance = Path(get("INSTANCE_DIR") or instance_dir or Path.cwd() / "instance")
    database_url = get("DATABASE_URL") or f"sqlite:///{instance / 'consortia.db'}"
    try:
        from sqlalchemy.engine import make_url

        make_url(database_url)
    except Exception:
        raise ConfigError(f"{PREFIX}DATABASE_URL is not a valid SQLAlchemy URL") from None

    base_url = _check_http_url("BASE_URL", get("BASE_URL") or "http://127.0.0.1:8080")
    mattermost_url = get("MATTERMOST_URL")
    if mattermost_url:
        mattermost_url = _check_http_url("MATTERMOST_URL", mattermost_url)
    mattermost_token = get("MATTERMOST_TOKEN")
    if mattermost_url and not mattermost_token:
        raise ConfigError(f"{PREFIX}MATTERMOST_TOKEN is required when {PREFIX}MATTERMOST_URL is set")
    team = get("MATTERMOST_TEAM")
    if team and not _SLUGISH.match(team):
        raise ConfigError(f"{PREFIX}MATTERMOST_TEAM must be a team name (lowercase letters, digits, -), got {team!r}")

    caldav_url = get("CALDAV_URL")
    if caldav_url:
        caldav_url = _check_http_url("CALDAV_URL", caldav_url)
        if not get("CALDAV_USERNAME"):
            raise ConfigError(f"{PREFIX}CALDAV_USERNAME is required when {PREFIX}CALDAV_URL is set")

    smtp_url = get("SMTP_URL")
    mail_from = get("MAIL_FROM")
    if smtp_url:
        if urlparse(smtp_url).scheme not in ("smtp", "smtps", "smtp+starttls"):
            raise ConfigError(f"{PREFIX}SMTP_URL must start with smtp:// or smtps://")
        if not urlparse(smtp_url).hostname:
            raise ConfigError(f"{PREFIX}SMTP_URL has no host")
        if not mail_from or "@" not in mail_from:
            raise ConfigError(f"{PREFIX}MAIL_FROM must be an e-mail address when {PREFIX}SMTP_URL is set")

    timezone = get("TIMEZONE") or "Europe/Paris"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{PREFIX}TIMEZONE {timezone!r} is not a known time zone (e.g. Europe/Paris)") from None

    locale = (get("LOCALE") or "fr").lower()
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError(f"{PREFIX}LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, got {locale!r}")

    run_worker = (get("RUN_WORKER") or "1").lower() not in ("0", "false", "no", "off")
    poll = get("WORKER_POLL_SECONDS") or "1"
    try:
        worker_poll = float(poll)
        if worker_poll <= 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{PREFIX}WORKER_POLL_SECONDS must be a positive number") from None

    try:
        directory_ttl = int(get("DIRECTORY_TTL") or "300")
        if directory_ttl < 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{PREFIX}DIRECTORY_TTL must be a number of seconds (0 or more)") from None
    redis_url = get("REDIS_URL")
    if redis_url and (urlparse(redis_url).scheme not in ("redis", "rediss", "redis+unix")
                      or not (urlparse(redis_url).hostname or urlparse(redis_url).path)):
        raise ConfigError(f"{PREFIX}REDIS_URL must be a redis://host:port[/db] (or rediss://, redis+unix://) URL")
    proxies = get("PROXIES") or "0"
    if not proxies.isdigit() or int(proxies) > 10:
        raise ConfigError(f"{PREFIX}PROXIES must be the number of reverse proxies in front (0 to 10), got {proxies!r}")
    limits = {name: _rate_limit(name, get(name)) for name in ("CALLBACK_RATE_LIMIT", "AMI_FORM_RATE_LIMIT")}

    ami_channel = (get("AMI_CHANNEL") or "town-square").strip().lower()
    if not _CHANNEL_NAME.match(ami_channel):
        raise ConfigError(f"{PREFIX}AMI_CHANNEL must be a channel name of the team (lowercase letters, digits, "
                          f"-, _), got {ami_channel!r}")
    retention = get("AMI_RETENTION_MONTHS") or "24"
    if not retention.isdigit() or not 1 <= int(retention) <= 120:
        raise ConfigError(f"{PREFIX}AMI_RETENTION_MONTHS must be a number of months (1 to 120), got {retention!r}")

    secret = get("SECRET_KEY") or _default_secret(instance)
    if len(secret) < 16:
        raise ConfigError(f"{PREFIX}SECRET_KEY must be at least 16 characters long")

    return Settings(
        instance_dir=instance,
        database_url=database_url,
        base_url=base_url,
        secret_key=secret,
        mattermost_url=mattermost_url,
        mattermost_token=mattermost_token,
        mattermost_team=team,
        command_tokens=_csv(get("COMMAND_TOKENS")),
        api_tokens=_csv(get("API_TOKENS")),
        admins=tuple(name.lstrip("@").lower() for name in _csv(get("ADMINS"))),
        directory_ttl_seconds=directory_ttl,
        caldav_url=caldav_url,
        caldav_username=get("CALDAV_USERNAME"),
        caldav_password=get("CALDAV_PASSWORD"),
        smtp_url=smtp_url,
        mail_from=mail_from,
        timezone=timezone,
        locale=locale,
        run_worker=run_worker,
        worker_poll_seconds=worker_poll,
        redis_url=redis_url,
        proxies=int(proxies),
        ami_channel=ami_channel,
        ami_retention_months=int(retention),
        **{key: value for key, value in (("callback_rate_limit", limits["CALLBACK_RATE_LIMIT"]),
                                         ("form_rate_limit", limits["AMI_FORM_RATE_LIMIT"])) if value},
    )


def _rate_limit(name: str, value: str | None) -> str | None:
    """A Flask-Limiter limit string ("300 per minute", "8/minute;60/hour"), checked now rather than at the first request."""
    if value is None:
        return None
    from limits import parse_many

    try:
        if parse_many(value):
            return value
    except ValueError:
        pass
    raise ConfigError(f"{PREFIX}{name} must be a rate limit such as \"300 per minute\" or \"8/minute;60/hour\", "
                      f"got {value!r}")
