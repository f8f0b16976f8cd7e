"""Answers kept by key: the last few, each made once per key. A caller keys an answer
by everything it depends on (a store file's identity, the state's version), so a kept
answer is never stale, only evicted."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """The `size` answers used last, by key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The answer kept for `key`, else `make()`'s, kept. `make` runs outside the lock:
        two first requests for one key may both make it, once each."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        made = make()
        with self._lock:
            self._answers[key] = made
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return made
