"""What the instances of a deployment share: one Redis (`GATEWAY_REDIS_URL`).

`redis.py` holds the connection and its health; `documents.py` the automatic persisted
queries every instance learns from. Rate-limit counters live there too
(`gateway.throttling`). Without Redis, or while it is away, each process keeps its own.
"""
