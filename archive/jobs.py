"""Work that outlives the request that asked for it (building a dataset release): run in a thread of the
serving process, in an application context of its own, so the request answers at once. The work records
its own progress (see ``archive.services.releases.run_release_job``); a job whose process died stops
reporting and is seen as failed, so nothing waits for it forever."""
from __future__ import annotations

import threading
from typing import Any, Callable

from flask import Flask

_started: list[threading.Thread] = []
_lock = threading.Lock()


def run_in_background(app: Flask, work: Callable[..., Any], *args: Any, **kwargs: Any) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            try:
                work(*args, **kwargs)
            except Exception:  # the job row says it failed; the details belong in the log
                app.logger.exception("background work %s failed", getattr(work, "__name__", work))

    thread = threading.Thread(target=run, name=f"twiza-{getattr(work, '__name__', 'job')}", daemon=True)
    with _lock:
        _started[:] = [t for t in _started if t.is_alive()]
        _started.append(thread)
    thread.start()
    return thread


def wait_for_background_work(timeout: float | None = None) -> bool:
    """Wait for the work started so far (tests, and a server shutting down); True when all of it ended."""
    with _lock:
        threads = list(_started)
    for thread in threads:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in threads)
