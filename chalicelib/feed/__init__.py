"""The change feed: what changed in QuickBooks since the last catch-up, published as one event per object.

No QuickBooks Desktop API says what changed. Per end-user, a *subscription* names object types and an
interval; a scheduled task enqueues each due catch-up as ordinary jobs of the company file's queue at
background priority (a job a person waits for always goes first, even between the pages of a catch-up),
one paged query per type from its *watermark* minus a safety overlap, and one query of what was deleted.
The feed publisher turns each page into change events, de-duplicated by ``(id, revision_number)``
against what the overlap saw before, and advances a type's watermark only once the last page of its
window is published.

- :mod:`~chalicelib.feed.types` — the object types a feed can follow and the qbXML behind each;
- :mod:`~chalicelib.feed.models` — subscriptions, their per-type state, and the store port;
- :mod:`~chalicelib.feed.window` — pure: the window a catch-up asks for, and a page → events;
- :mod:`~chalicelib.feed.service` — subscriptions, due catch-ups, and the publisher hook.
"""
