"""What other features may use of the sessions feature.

LEGACY: re-exports until the feature is ported; the porter keeps these names (other features import
them).
"""
from plugin.messages import feed_url
from plugin.services.calendar_feed import feed_token_for

__all__ = ["feed_token_for", "feed_url"]
