"""Foundation dialogues and foundations — NOT PORTED YET.

Its code still lives in ``plugin/services/{dialogues,foundations}.py`` and the legacy handlers.
Only ``api.py`` exists already: the names other features use, which the porter keeps.
"""
