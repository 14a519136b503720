"""Working sessions, calendar feeds and invitations — NOT PORTED YET.

Its code still lives in ``plugin/services/{sessions,calendar_feed}.py`` and the legacy handlers.
Only ``api.py`` exists already: the names other features use, which the porter keeps.
"""
