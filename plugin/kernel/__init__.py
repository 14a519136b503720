"""The shared core every feature builds on: refusals, the actor, use cases and their context,
domain events, the clock, the outbox and audit trail, access rules and the people directory.

Nothing here imports a feature, the front door, the web or the CLI (see docs/ARCHITECTURE.md).
"""
