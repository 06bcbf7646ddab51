"""The request log and counters of an emulator: every API and storage request (not the control endpoints) counts,
from 1; its entry is kept when the log is on (`Emulator(log_requests=...)`)."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Mapping, Optional


class RequestLog:
    """The requests served (oldest first, when `keep`), their count, and how many were in flight at most at once.

    A class, not a list and a few integers on the emulator: the entries and the counters change together, under one
    lock, from the server's threads."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._entries: List[Dict[str, Any]] = []
        self._count = 0
        self._in_flight = 0
        self._max_in_flight = 0

    def begin(
        self, method: str, path: str, query: Dict[str, List[str]], extra: Optional[Mapping[str, Any]] = None
    ) -> Dict[str, Any]:
        """A request arrives: it gets the next number and is in flight until `end`."""
        with self._lock:
            self._count += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            entry = {
                "n": self._count,
                "method": method,
                "path": path,
                "query": query,
                "started": time.time(),
                "ended": None,
                "status": None,
                "key_class": None,
                "fault": None,
                **(extra or {}),
            }
            if self.keep:
                self._entries.append(entry)
            return entry

    def end(self, entry: Dict[str, Any], status: Optional[int]) -> None:
        """A request is answered (or its connection reset: status None); a second call changes nothing."""
        with self._lock:
            if entry["ended"] is not None:
                return
            entry["ended"] = time.time()
            entry["status"] = status
            self._in_flight -= 1

    def entries(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> Dict[str, Any]:
        with self._lock:
            return {"requests": self._count, "in_flight": self._in_flight, "max_in_flight": self._max_in_flight}

    def reset(self) -> None:
        """An empty log and zeroed counters (the requests in flight still count as such)."""
        with self._lock:
            self._entries.clear()
            self._count = 0
            self._max_in_flight = self._in_flight
