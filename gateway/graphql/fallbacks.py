"""Why the compiled path left a `myOrders` operation to graphql-core, made visible.

Each fallback is counted by reason (`gateway_graphql_compiled_fallbacks_total` in
`/metrics`), and the first of each reason in a process is logged at warning level: a reason
that starts to show after an upgrade, or grows, says where to look. Documents that are not
`myOrders` pages (another root field, introspection) are not candidates, not fallbacks.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Reason(enum.StrEnum):
    """A fallback's reason: the bounded label values of the counter."""

    UNSUPPORTED = "unsupported"  # a selection the compiler does not handle
    VARIABLES = "variables"  # variables that do not fit their types: graphql-core says so
    REFUSED = "refused"  # the request's own mistake (bad input, no credentials)
    UNANSWERABLE = "unanswerable"  # a value it cannot give (a null for a non-null field)
    ERROR = "error"  # any other exception: a bug, or a library that changed


class Fallbacks:
    """Counts fallbacks and logs the first of each reason.

    Parameters:
        count: adds one to the counter of a reason (`Metrics.count_fallback`); None: not
            counted (a schema built without the app, as `gateway schema export` builds it).
    """

    def __init__(self, count: Callable[[str], None] | None = None) -> None:
        self._count = count
        self._logged: set[Reason] = set()

    def record(self, reason: Reason, detail: str, error: BaseException | None = None) -> None:
        if self._count is not None:
            self._count(reason.value)
        if reason in self._logged:
            return
        self._logged.add(reason)
        logger.warning(
            "the compiled myOrders path left an operation to graphql-core (%s: %s); later "
            "fallbacks for this reason are counted in gateway_graphql_compiled_fallbacks_total "
            "and not logged",
            reason.value,
            detail,
            exc_info=error if reason is Reason.ERROR else None,
        )
