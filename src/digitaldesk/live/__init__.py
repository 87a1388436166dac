"""Live updates: server-sent events from the event process (docs/live.md).

The public API for other apps is `publish` (services) and `channels.register` (at ready()).
"""
