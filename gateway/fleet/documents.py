"""Persisted-query documents in Redis, so that a document one instance learned is found by all.

Each document is a key `<prefix>{apq}:<sha256>` that expires `ttl` seconds after it was last
used (reading it renews it), and an index (a sorted set by last use) keeps at most `capacity`
of them: storing one more drops the least recently used. Both run as one Lua script each,
so a lookup or a store is one round trip. (The `{apq}` hash tag keeps the documents and
their index in one slot of a Redis Cluster.)

Redis down or slow: a lookup answers "not found" (the client sends the full document, which
runs and is stored when Redis is back), a store is skipped.
"""

from __future__ import annotations

import logging

from gateway.fleet.redis import RedisLink, RedisUnavailable

logger = logging.getLogger(__name__)

# KEYS: the document, the index. ARGV: ttl. Returns the document or nil.
_RECALL = """
local document = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if document then
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[2], 'XX', now[1] + now[2] / 1000000, KEYS[1])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return document
"""
# KEYS: the document, the index. ARGV: the document, ttl, capacity. Returns how many
# documents it dropped.
_REMEMBER = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], now[1] + now[2] / 1000000, KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #dropped, 2 do
    redis.call('DEL', dropped[i])
  end
  return over
end
return 0
"""


class SharedDocuments:
    """The deployment's learned documents (see the module docstring).

    Parameters:
        redis: the deployment's Redis.
        capacity: the most documents kept.
        ttl: seconds a document is kept after its last use.
    """

    def __init__(self, redis: RedisLink, *, capacity: int, ttl: int) -> None:
        self.redis = redis
        self.capacity = capacity
        self.ttl = ttl
        self.index = redis.key("{apq}", "index")
        self._recall = redis.client.register_script(_RECALL)
        self._remember = redis.client.register_script(_REMEMBER)

    def _key(self, digest: str) -> str:
        return self.redis.key("{apq}", digest)

    async def get(self, digest: str) -> str | None:
        """The document stored under `digest`; None when unknown or Redis is unavailable."""
        keys = [self._key(digest), self.index]
        try:
            found = await self.redis.run(
                "apq_get", lambda: self._recall(keys=keys, args=[self.ttl])
            )
        except RedisUnavailable:
            return None
        return None if found is None else bytes(found).decode("utf-8")

    async def put(self, digest: str, document: str) -> None:
        """Store `document` under `digest` (skipped while Redis is unavailable)."""
        try:
            await self.redis.run(
                "apq_put",
                lambda: self._remember(
                    keys=[self._key(digest), self.index],
                    args=[document.encode("utf-8"), self.ttl, self.capacity],
                ),
            )
        except RedisUnavailable:
            logger.debug("persisted query %s not shared: Redis unavailable", digest)
