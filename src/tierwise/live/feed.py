"""One listener per serving process, fanning the notices of stored live events out to the
connected live screens (`docs/live.md`).

The feed hears the notices `notify.py` sends after a batch commits — on PostgreSQL through
one `LISTEN live_events` connection of its own (so a batch stored by any worker, of any
server, reaches every screen), on SQLite through the in-process signal (one process is
all there is to tell) — and hands each to every subscriber's queue in the subscriber's
event loop. Nothing polls a table: a screen wakes when a notice comes, reads the new
numbers once, and sleeps again. The listener starts with the first subscriber and stops
with the application.

One read per notice, not one per screen: the feed numbers the notices it hears, and
`SharedReads` lets every screen showing the same thing (its caller's key: for a live screen
the partner and the creators chosen, everything the read depends on) wait for one read
begun after the notice came, instead of each reading on its own — two hundred screens of
one partner's creator cost one read per event, not two hundred.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy.engine import make_url

from tierwise.db.engine import StateStore
from tierwise.live.notify import CHANNEL, SIGNAL

log = logging.getLogger("tierwise.live")
#: How long the listener waits for a notice before it looks whether it should stop (s).
WAKE_S = 0.5
#: The pause before connecting again after the listening connection broke (s).
RECONNECT_S = 1.0
#: How long a new subscriber waits for the listener to be listening (s).
READY_S = 5.0
#: Notices a slow subscriber may have waiting before they are replaced by one "read
#: again": it rereads everything when it wakes, so one waiting notice is as good as many.
QUEUE_LIMIT = 64

#: What a notice told: (event_id, kind, subject) of each stored event.
Told = tuple[tuple[str, str, str], ...]
#: Told after the listener connected again: notices may have been missed, read again.
RESYNC: Told = (("", "feed.resync", ""),)


def told(notice: str) -> Told:
    """The stored events a notice names (none for a notice that cannot be read)."""
    try:
        items = json.loads(notice)["events"]
        return tuple((str(i), str(k), str(s)) for i, k, s in items)
    except (ValueError, KeyError, TypeError):
        log.warning("an unreadable live-event notice: %.200s", notice)
        return ()


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue of notices, filled from the listener's thread."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Told] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    closed: Callable[[], None] = lambda: None
    #: The number of the latest notice put (`Feed.heard` when it came): a read begun
    #: once the feed had heard that many notices shows everything they told.
    heard: int = 0

    def put(self, items: Told, heard: int) -> None:
        """Called in the subscriber's loop with the notice's number. A full queue is
        replaced by one "read again" (dropping only the oldest notice could drop the one
        that mattered)."""
        self.heard = max(self.heard, heard)
        if self.queue.full():
            while not self.queue.empty():
                self.queue.get_nowait()
            items = RESYNC
        self.queue.put_nowait(items)

    async def next(self, timeout: float) -> Told | None:
        """The events of the next notices (every notice waiting, together); None when
        none came within `timeout` seconds."""
        try:
            items = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None
        while not self.queue.empty():
            items += self.queue.get_nowait()
        return items

    def close(self) -> None:
        self.closed()


class Feed:
    """The process's listener and its subscribers."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        #: Set once the PostgreSQL listener is listening (tests wait for it).
        self.listening = threading.Event()
        #: Notices heard so far (each numbered by it, counted before it is handed on).
        self.heard = 0
        #: The reads screens share (one per notice and key).
        self.reads = SharedReads(self)

    @property
    def postgresql(self) -> bool:
        return self.store.engine.dialect.name == "postgresql"

    def subscribe(self) -> Subscription:
        """A queue of the notices from now on, for the calling event loop."""
        sub = Subscription(asyncio.get_running_loop())

        def closed() -> None:
            with self._lock:
                if sub in self._subscribers:
                    self._subscribers.remove(sub)

        sub.closed = closed
        with self._lock:
            self._subscribers.append(sub)
            self._start()
        return sub

    def ready(self, timeout: float = READY_S) -> bool:
        """Wait until the listener hears notices (a blocking call: run it in a thread).
        What commits after this is told; what committed before, a read made after it
        sees."""
        return self.listening.wait(timeout)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def _start(self) -> None:
        if self._thread is not None or self._unsubscribe is not None:
            return
        self._stop.clear()
        if self.postgresql:
            self._thread = threading.Thread(target=self._listen, name="live-feed", daemon=True)
            self._thread.start()
        else:
            self._unsubscribe = SIGNAL.subscribe(self.tell)
            self.listening.set()

    def tell(self, notice: str) -> None:
        """Hand a notice to every subscriber (from any thread)."""
        items = told(notice)
        if items:
            self._tell(items)

    def _tell(self, items: Told) -> None:
        with self._lock:
            self.heard += 1
            heard = self.heard
            subscribers = list(self._subscribers)
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.put, items, heard)
            except RuntimeError:  # its loop has closed: it is gone
                sub.close()

    def _dsn(self) -> str:
        url = make_url(self.store.engine.url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _listen(self) -> None:
        reconnected = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn(), autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if reconnected:
                        self._tell(RESYNC)
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=WAKE_S):
                            self.tell(notice.payload)
            except Exception:  # the database away, or anything else: never die silently
                self.listening.clear()
                reconnected = True
                log.exception("the live-event listener lost its connection; reconnecting")
                self._stop.wait(RECONNECT_S)

    def stop(self) -> None:
        """Stop listening (the application stops)."""
        self._stop.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.listening.clear()


Result = TypeVar("Result")


@dataclass
class ReadStats:
    """What `SharedReads` did: reads made, and answers given from a read another caller
    had begun (a test counts them; `reads` is also what a benchmark's server did)."""

    reads: int = 0
    shared: int = 0


@dataclass(eq=False)
class _Read:
    loop: asyncio.AbstractEventLoop
    #: `Feed.heard` when the read began: it shows every notice up to this number.
    heard: int
    task: asyncio.Future[Any]


class SharedReads:
    """One read per key for every caller that needs one showing the notices up to a
    number: a caller is given the latest read of its key if that read began after the
    feed had heard its notice (running or done), otherwise a new one, which the next
    callers share in turn.

    The key must hold everything the read depends on (two callers with the same key must
    be entitled to the same answer): a read is never shared across keys. A failed read is
    not reused (its callers get its error; the next caller reads again). A caller that
    goes away does not cancel a read others wait for. Keys are forgotten when their last
    holder leaves (`hold`/`leave`); one key's reads all give the same type."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.stats = ReadStats()
        self._latest: dict[Hashable, _Read] = {}
        self._holders: dict[Hashable, int] = {}

    def hold(self, key: Hashable) -> None:
        """A caller will ask for reads of `key` (in the event loop)."""
        self._holders[key] = self._holders.get(key, 0) + 1

    def leave(self, key: Hashable) -> None:
        """A caller of `key` is gone; the last one takes the key's read with it."""
        left = self._holders.get(key, 0) - 1
        if left > 0:
            self._holders[key] = left
        else:
            self._holders.pop(key, None)
            self._latest.pop(key, None)

    async def read(self, key: Hashable, heard: int, run: Callable[[], Awaitable[Result]]) -> Result:
        """The result of a read of `key` begun once the feed had heard `heard` notices:
        the one running or made since, or `run()` now."""
        loop = asyncio.get_running_loop()
        latest = self._latest.get(key)
        if latest is None or not self._usable(latest, loop, heard):
            latest = _Read(loop, self.feed.heard, asyncio.ensure_future(run()))
            latest.task.add_done_callback(_seen)
            self._latest[key] = latest
            self.stats.reads += 1
        else:
            self.stats.shared += 1
        return cast(Result, await asyncio.shield(latest.task))

    @staticmethod
    def _usable(latest: _Read, loop: asyncio.AbstractEventLoop, heard: int) -> bool:
        if latest.loop is not loop or latest.heard < heard:
            return False
        task = latest.task
        return not task.done() or (not task.cancelled() and task.exception() is None)


def _seen(task: asyncio.Future[object]) -> None:
    """Mark a read's error as retrieved (its callers re-raise it; none may be left)."""
    if not task.cancelled():
        task.exception()
