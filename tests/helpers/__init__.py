"""Helpers shared by several test modules (test modules never import each other).

Each module holds what one area's tests need to drive the network of ``tests/conftest.py``
the way a person would: ``chat`` (a consortium made from chat, its messages), ``sessions``,
``registers``, ``ami``, ``web``, ``outbox``, ``cli``, ``i18n``."""
