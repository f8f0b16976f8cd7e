"""One listener per serving process, fanning the notices of stored live events out to the
connected live screens (`docs/live.md`).

The feed hears the notices `notify.py` sends after a batch commits — on PostgreSQL through
one `LISTEN live_events` connection of its own (so a batch stored by any worker, of any
server, reaches every screen), on SQLite through the in-process signal (one process is
all there is to tell) — and hands each to every subscriber's queue in the subscriber's
event loop. Nothing polls a table: a screen wakes when a notice comes, reads the new
numbers once, and sleeps again. The listener starts with the first subscriber and stops
with the application.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

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

    def put(self, items: Told) -> None:
        """Called in the subscriber's loop. A full queue is replaced by one "read again"
        (dropping only the oldest notice could drop the one that mattered)."""
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
            subscribers = list(self._subscribers)
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.put, items)
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
