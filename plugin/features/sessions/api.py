"""What other features may use of the sessions feature."""
from plugin.features.sessions.feeds import feed_token_for, feed_url

__all__ = ["feed_token_for", "feed_url"]
