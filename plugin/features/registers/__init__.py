"""The registers: roles, commitments, organisations — NOT PORTED YET.

Its code still lives in ``plugin/services/{roles,commitments,organisations}.py`` and the legacy
handlers. Only ``api.py`` exists already: the names other features use, which the porter keeps.
"""
