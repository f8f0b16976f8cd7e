"""Live data: the platform's live events, received signed over HTTP, kept in the state
store, and folded into the canonical tables the batch side reads (`docs/live-events.md`).

    events.py      what an event is: one pydantic model per kind (their JSON Schemas are
                   the documented payloads), the batch form, parsing with field errors
    folding.py     pure: events → canonical rows (latest wins per key), order-independent
                   and idempotent, for compaction and for a live screen's current numbers
    signing.py     the HMAC-SHA256 signature (the outbox's scheme) and its check
    repository.py  the state store's `live_events` and `live_day_marks`: set-wise inserts that
                   decide idempotency, reads by live / product / day
    notify.py      after an accepted batch commits: PostgreSQL `NOTIFY live_events` and an
                   in-process signal, for whatever fans the events out (a live screen)
    service.py     one accepted batch: verify, parse, store, notify
    endpoints.py   `POST /api/v1/events`
    compaction.py  finished days folded into the DuckDB store through the batch loader
    replay.py      a day of canonical data as events, sent signed at a chosen rate
"""
