"""The server's background sender: a thread of each serving process that delivers the
outbox while the server runs (`docs/outbox.md`), started and stopped with the application.

It runs when `$TIERWISE_OUTBOX_CHANNELS` names a channels file and
`$TIERWISE_OUTBOX_SENDER` is not `off` (turn it off to send from a separate `tierwise
outbox send` process instead). Several serving processes each run one: claims keep them
off each other's deliveries. A pass that fails (the database away for a moment) is logged
and tried again after the rest; it never stops the server.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from tierwise.db.engine import StateStore
from tierwise.outbox.channels import Channels, channels_from_env
from tierwise.outbox.sender import Sender

SENDER_ENV = "TIERWISE_OUTBOX_SENDER"
log = logging.getLogger("tierwise.outbox")


class OutboxWorker:
    """A daemon thread running sender passes until `stop()`."""

    def __init__(self, store: StateStore, channels: Channels, idle: float = 5.0) -> None:
        self.sender = Sender(store, channels)
        self.idle = idle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_env(
        cls, store: StateStore, env: Mapping[str, str] | None = None
    ) -> OutboxWorker | None:
        """The worker the environment asks for (None: delivery not configured or off);
        a bad channels file raises `ChannelsError`, so the server does not start."""
        environ = os.environ if env is None else env
        if environ.get(SENDER_ENV, "").strip().lower() == "off":
            return None
        channels = channels_from_env(environ)
        return None if channels is None else cls(store, channels)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Let the send in flight finish, then end the thread (a delivery cut short by a
        timeout here is taken back by the next sender, as after a crash)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.sender.send_due(stop=self._stop)
            except Exception:
                log.exception("outbox pass failed; trying again in %s s", self.idle)
                self._stop.wait(self.idle)
                continue
            for line in report.errors:
                log.warning("outbox: %s", line)
            if report.attempted == 0:
                self._stop.wait(self.idle)
