"""The front door: the only place that knows how a request becomes work.

Each way in (slash command, button, form, JSON API, web page, CLI) has an adapter here that checks
who is knocking before anything is read or written, then asks the runner to run one use case, and
turns the result into its channel's answer. See docs/ARCHITECTURE.md for the request path.
"""
