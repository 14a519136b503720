"""Feature packages: one folder per feature, holding its grammar, schemas, use cases, rendering,
buttons, outbox deliverers and scheduled jobs, declared in its ``__init__.py`` (docs/ARCHITECTURE.md).

A feature imports the kernel and the layers below it, and another feature only through that
feature's ``api.py``; the front door's registry imports the features, never the reverse.
"""
