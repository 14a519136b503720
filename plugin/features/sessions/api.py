"""What other features may use of the sessions feature.

LEGACY: re-exports until the feature is ported; the porter keeps these names (other features import
them).
"""
from models import Consortium
from plugin.services.calendar_feed import feed_token_for


def feed_url(consortium: Consortium, token: str, base_url: str) -> str:
    """A link to the consortium's feed: each member has their own ``token``, dead once they leave."""
    return f"{base_url}/calendars/{consortium.slug}/{token}.ics"


__all__ = ["feed_token_for", "feed_url"]
