"""Calendars staff and municipalities subscribe to: the publication store (store), feed
rendering (render), the feed server and the planners' desk app (server), and CalDAV
push (push)."""
