"""The folder through which several worker processes share their metrics.

prometheus-client's multiprocess mode: each process writes its values to files in
`PROMETHEUS_MULTIPROC_DIR`, and `/metrics` in any process adds them up. The variable must be
set before a worker imports prometheus-client, so `gateway serve` sets it before starting
workers. This module does not import prometheus-client itself.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics_folder(workers: int) -> Iterator[str | None]:
    """For several workers, a fresh temporary folder in `PROMETHEUS_MULTIPROC_DIR` for as long
    as the server runs (removed after it); yields the folder in use, or None.

    A folder the operator already set is used as it is (they empty it between runs, as
    prometheus-client requires); one worker needs none.
    """
    if os.environ.get(VARIABLE):
        yield os.environ[VARIABLE]
        return
    if workers == 1:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="gateway-metrics-") as folder:
        os.environ[VARIABLE] = folder
        try:
            yield folder
        finally:
            del os.environ[VARIABLE]
