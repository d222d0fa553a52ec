"""What a throttled client is told, and the rate-limit header fields of every counted answer.

Refusals word their wait as DRF's `Throttled` exception does: "Request was throttled.
Expected available in N seconds." (1 second, singular), N rounded up to whole seconds, and
`Retry-After: N`.

Counted answers carry the IETF fields of draft-ietf-httpapi-ratelimit-headers-10 (the
structured-field syntax, unchanged in -11): `RateLimit-Policy` lists each policy with its
quota `q` and window `w` in seconds, `RateLimit` what remains of it (`r`) and the seconds
until more is available (`t`):

    RateLimit-Policy: "requests";q=600;w=60, "cost";q=100000;qu="graphql-cost";w=3600
    RateLimit: "requests";r=598;t=60, "cost";r=99011;t=3

The cost policy's quota unit is not one the draft registers (`requests`, `content-bytes`,
`concurrent-requests`), so it is named (`qu="graphql-cost"`) rather than left to default to
requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.throttling.limiter import Policy, Verdict

COST_UNIT = "graphql-cost"
RATE_LIMITED = "RATE_LIMITED"


def throttled_message(wait: int) -> str:
    """DRF's `Throttled` detail for a wait of `wait` seconds."""
    unit = "second" if wait == 1 else "seconds"
    return f"Request was throttled. Expected available in {wait} {unit}."


def _policy_item(policy: Policy) -> str:
    unit = f';qu="{COST_UNIT}"' if policy.name == "cost" else ""
    return f'"{policy.name}";q={policy.rate.amount}{unit};w={policy.rate.seconds}'


def ratelimit_fields(counted: Sequence[tuple[Policy, Verdict]]) -> dict[str, str]:
    """`RateLimit-Policy` and `RateLimit` for the policies that counted a request (none: no
    fields)."""
    if not counted:
        return {}
    return {
        "RateLimit-Policy": ", ".join(_policy_item(policy) for policy, _ in counted),
        "RateLimit": ", ".join(
            f'"{policy.name}";r={verdict.remaining};t={verdict.reset}'
            for policy, verdict in counted
        ),
    }


def refusal_fields(counted: Sequence[tuple[Policy, Verdict]], wait: int) -> dict[str, str]:
    """The fields of a 429: `Retry-After` and the rate-limit fields."""
    return {"Retry-After": str(wait), **ratelimit_fields(counted)}
