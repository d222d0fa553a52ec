"""The cost of each operation, reported to the client, and the customer's cost budget.

Every answer of the schema carries `extensions.cost`, in the spirit of Shopify's:

    "extensions": {"cost": {
        "requestedQueryCost": 301,       # the measure the query limits check (limits.py)
        "actualQueryCost": 22,           # the same, with what each page returned
        "throttleStatus": {              # with GATEWAY_GRAPHQL_COST_LIMIT, once counted
            "maximumAvailable": 100000,  # the budget per period
            "currentlyAvailable": 99978, # what is left after this operation
            "restoreRate": 27.778        # points per second it regains, on average
        }}}

An operation that did not run (it does not parse or validate, or a limit refused it) costs
nothing: its actual cost is 0 (its requested cost is reported when it could be measured).

With a cost limit, an authenticated caller's operation runs only if its requested cost fits
what is left of the budget; otherwise it is refused before anything runs: HTTP 429 with
`Retry-After`, one error coded `RATE_LIMITED` (DRF's throttled message). After it ran, its
actual cost is charged. Unauthenticated requests are not counted (they fail anyway).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.errors import AuthenticationFailed
from gateway.graphql.context import GatewayContext
from gateway.graphql.limits import Measure, Measures, QueryLimits, actual_cost, operation_measure
from gateway.observability import context as observed
from gateway.throttling.answers import RATE_LIMITED, refusal_fields, throttled_message
from gateway.throttling.limiter import CostLimit, Verdict


def response_path(path: Any) -> tuple[str, ...]:
    """The response keys of a resolver's `info.path` (list indexes left out)."""
    keys: list[str] = []
    while path is not None:
        if isinstance(path.key, str):
            keys.append(path.key)
        path = path.prev
    return tuple(reversed(keys))


class CostAccounting(SchemaExtension):
    """`extensions.cost` and the cost budget (see the module docstring). Listed after the
    query limits (an operation they refuse is not charged) and before the compiled path.

    Parameters:
        limits, measures: the query limits and their cache of measures (shared with
            `QueryLimiter`, which measured the operation first).
        budget: the cost limit per customer (None: no limit).
    """

    def __init__(self, limits: QueryLimits, measures: Measures, budget: CostLimit | None) -> None:
        self.limits = limits
        self.measures = measures
        self.budget = budget
        self.measure: Measure | None = None
        self.executed = False
        self.verdict: Verdict | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        gateway: GatewayContext = context.context
        self.measure = operation_measure(context, self.limits, self.measures)
        if context.result is not None:  # refused by a query limit: nothing runs
            yield
            return
        customer_id = await self._customer_id(gateway) if self.budget is not None else None
        if self.budget is not None and customer_id is not None:
            self.verdict = await self.budget.check(customer_id, self.requested)
            if not self.verdict.allowed:
                self._refuse(gateway, self.budget, self.verdict)
                yield
                return
        self.executed = True
        yield
        if self.budget is not None and customer_id is not None and self.verdict is not None:
            self.verdict = await self.budget.charge(customer_id, self.actual(gateway), self.verdict)
            gateway.counted.append((self.budget, self.verdict))

    @staticmethod
    async def _customer_id(gateway: GatewayContext) -> int | None:
        try:
            return (await gateway.customer()).id
        except AuthenticationFailed:
            return None  # not counted; the fields that need a customer report it

    def _refuse(self, gateway: GatewayContext, budget: CostLimit, verdict: Verdict) -> None:
        wait = verdict.retry_after or 1
        error = GraphQLError(throttled_message(wait), extensions={"code": RATE_LIMITED})
        self.execution_context.result = ExecutionResult(data=None, errors=[error])
        observed.set_error_code(RATE_LIMITED)
        gateway.counted.append((budget, verdict))
        gateway.response.status_code = 429
        gateway.response.headers.update(refusal_fields(gateway.counted, wait))

    @property
    def requested(self) -> int:
        return 0 if self.measure is None else self.measure.cost

    def actual(self, gateway: GatewayContext) -> int:
        if not self.executed or self.measure is None:
            return 0
        return actual_cost(self.measure, gateway.pages_returned)

    def get_results(self) -> dict[str, Any]:
        gateway: GatewayContext = self.execution_context.context
        cost: dict[str, Any] = {
            "requestedQueryCost": self.requested,
            "actualQueryCost": self.actual(gateway),
        }
        if self.budget is not None and self.verdict is not None:
            rate = self.budget.rate
            cost["throttleStatus"] = {
                "maximumAvailable": rate.amount,
                "currentlyAvailable": self.verdict.remaining,
                "restoreRate": round(self.budget.restore_rate, 3),
            }
        return {"cost": cost}
