"""Per-customer rate limits: requests (`GATEWAY_RATE_LIMIT`) and GraphQL cost points
(`GATEWAY_GRAPHQL_COST_LIMIT`), counted in Redis across the deployment, or per process.

`rates.py` reads DRF's rate syntax, `limiter.py` counts (with the `limits` library), and
`answers.py` words what clients see: DRF's throttled message and `Retry-After`, and the IETF
`RateLimit-Policy` / `RateLimit` fields.
"""
