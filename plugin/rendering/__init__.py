"""Shared rendering helpers: the chat answer (``Reply``), the reader's view, help and usage lines.

Each feature renders its own outcomes and events in ``plugin/features/<feature>/render.py``.
"""
