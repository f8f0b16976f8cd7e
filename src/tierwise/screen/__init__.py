"""Data Compass's live screen: the partner's creators who are live now and a screen of up
to five of them, their minute figures pushed to the browser as Server-Sent Events
(`docs/live.md`).

    service.py     which creators are live, their figures (from `live.figures`), through
                   Data Compass's visibility and access log
    stream.py      the Server-Sent Events of a screen, woken by the process's `live.feed`
    endpoints.py   `GET /api/v1/compass/live`, `/live/screen`, `/live/screen/stream`
    pages.py       `/compass/live`, `/compass/live/screen` and the page's stream

It sits above `tierwise.live` and `tierwise.compass` (which do not know each other).
"""
