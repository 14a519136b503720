"""Consortiums: provisioning, members, stage, language, archive — NOT PORTED YET.

Its code still lives in the legacy modules (``plugin/services/consortia.py``, the handlers in
``plugin/commands/handlers/``). Only ``api.py`` exists already: the names other features use,
which the porter keeps while moving the implementation behind them.
"""
