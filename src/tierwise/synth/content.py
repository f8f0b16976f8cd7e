"""Livestreams and videos of one month, and the index orders use to point at them.

Each creator's live days are distinct days drawn exactly (the 百应 live-commitment metric
counts distinct days); a share of its livestreams lasts 150-330 minutes (the TSP content
program counts hours of sessions over 120 minutes). Rows come out grouped by creator, which
is what lets orders find a creator's livestreams and videos with a binary search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tierwise.synth import columns as col
from tierwise.synth.clock import DAY_S, Calendar
from tierwise.synth.markets import OFFSET_S
from tierwise.synth.naming import CREATOR_ID, LIVE_ID, SELLER_ID, VIDEO_ID, row_ids
from tierwise.synth.population import Population
from tierwise.synth.seeding import stream

VIDEO_STATUSES = ("active", "inactive", "private", "deleted")


@dataclass
class MonthContent:
    """One month's livestreams and videos; arrays are sorted by creator."""

    live_creator: np.ndarray
    live_start: np.ndarray  # epoch seconds UTC
    live_end: np.ndarray  # epoch seconds UTC, -1 still live at the end of the data
    live_first_id: int
    video_creator: np.ndarray
    video_posted: np.ndarray
    video_first_id: int
    livestreams: pa.Table
    videos: pa.Table
    live_offsets: np.ndarray  # local UTC offset in minutes per row (text formats)
    video_offsets: np.ndarray


def _distinct_days(rng: np.random.Generator, counts: np.ndarray, days: int) -> np.ndarray:
    """For each row, `counts[i]` distinct days in [0, days), ascending, flattened."""
    top = int(counts.max(initial=0))
    if top == 0:
        return np.empty(0, np.int64)
    keys = rng.random((len(counts), days), dtype=np.float32)
    chosen = np.argsort(keys, axis=1)[:, :top]
    keep = np.arange(top)[None, :] < counts[:, None]
    chosen = np.where(keep, chosen, days)
    chosen.sort(axis=1)
    return chosen[keep].astype(np.int64)


def month_content(pop: Population, m: int, live_first_id: int, video_first_id: int) -> MonthContent:
    cal: Calendar = pop.calendar
    c = pop.creators
    rng = stream(pop.seed, "content", m)
    first_day = cal.month_first_days()[m]
    length = cal.month_lengths()[m]
    is_last_month = m == len(cal.months) - 1

    # Livestreams.
    live_days = c["live_days"][:, m].astype(np.int64)
    np.minimum(live_days, length, out=live_days)
    live_creators = np.flatnonzero(live_days > 0)
    day = _distinct_days(rng, live_days[live_creators], length)
    creator = np.repeat(live_creators, live_days[live_creators])
    n = len(creator)
    hour = rng.integers(
        c["hour_lo"][creator].astype(np.int64), c["hour_hi"][creator].astype(np.int64) + 1
    )
    local = (first_day + day) * DAY_S + hour * 3600 + rng.integers(0, 60, n) * 60
    offset = OFFSET_S[c["region"][creator]]
    start = local - offset
    long = rng.random(n) < c["long_share"][creator]
    minutes = np.where(
        long,
        rng.integers(150, 331, n),
        rng.integers(
            c["dur_lo"][creator].astype(np.int64), c["dur_hi"][creator].astype(np.int64) + 1
        ),
    )
    end = start + minutes * 60 + rng.integers(0, 60, n)
    # A few background livestreams started late on the last evening are still running.
    running = (
        is_last_month
        & (day == length - 1)
        & (hour >= 21)
        & ~c["planted"][creator]
        & (rng.random(n) < 0.5)
    )
    end = np.where(running, -1, end)
    views = np.round(
        rng.lognormal(np.log(c["live_views"][creator]), np.where(c["planted"][creator], 0.5, 0.8))
    ).astype(np.int64)
    viewers = np.round(views * rng.uniform(0.3, 0.7, n)).astype(np.int64)
    impressions = np.round(views * rng.uniform(0.2, 0.9, n)).astype(np.int64)
    clicks = np.round(impressions * rng.uniform(0.01, 0.12, n)).astype(np.int64)
    seller = c["seller"][creator]
    livestreams = col.build(
        "livestreams",
        {
            "live_id": row_ids(LIVE_ID, live_first_id + np.arange(n)),
            "creator_id": row_ids(CREATOR_ID, creator),
            "seller_id": row_ids(SELLER_ID, seller),
            "started_at": col.timestamps(start),
            "ended_at": col.timestamps(end, end >= 0),
            "views": col.ints(views),
            "viewers": col.ints(viewers),
            "product_impressions": col.ints(impressions),
            "product_clicks": col.ints(clicks),
        },
    )

    # Videos.
    per_creator = c["videos"][:, m].astype(np.int64)
    video_creator = np.repeat(np.arange(c.size), per_creator)
    k = len(video_creator)
    v_offset = OFFSET_S[c["region"][video_creator]]
    posted = first_day * DAY_S + rng.integers(0, length * DAY_S, k) - v_offset
    v_views = np.round(
        rng.lognormal(
            np.log(c["video_views"][video_creator]), np.where(c["planted"][video_creator], 0.8, 1.1)
        )
    ).astype(np.int64)
    likes = np.round(v_views * rng.uniform(0.01, 0.08, k)).astype(np.int64)
    videos = col.build(
        "videos",
        {
            "video_id": row_ids(VIDEO_ID, video_first_id + np.arange(k)),
            "creator_id": row_ids(CREATOR_ID, video_creator),
            "seller_id": row_ids(SELLER_ID, c["seller"][video_creator]),
            "posted_at": col.timestamps(posted),
            "duration_s": col.ints(np.clip(rng.lognormal(np.log(35), 0.7, k), 5, 900)),
            "views": col.ints(v_views),
            "finish_rate": col.num(rng.integers(50_000, 850_000, k)),
            "likes": col.ints(likes),
            "comments": col.ints(np.round(likes * rng.uniform(0.02, 0.2, k))),
            "shares": col.ints(np.round(likes * rng.uniform(0.01, 0.15, k))),
            "new_followers": col.ints(np.round(v_views * rng.uniform(0, 0.01, k))),
            "product_impressions": col.ints(np.round(v_views * rng.uniform(0.1, 0.6, k))),
            "product_clicks": col.ints(np.round(v_views * rng.uniform(0.002, 0.05, k))),
            "status": col.labels(VIDEO_STATUSES, rng.choice(4, k, p=[0.86, 0.05, 0.05, 0.04])),
        },
    )
    return MonthContent(
        live_creator=creator,
        live_start=start,
        live_end=end,
        live_first_id=live_first_id,
        video_creator=video_creator,
        video_posted=posted,
        video_first_id=video_first_id,
        livestreams=livestreams,
        videos=videos,
        live_offsets=offset // 60,
        video_offsets=v_offset // 60,
    )
