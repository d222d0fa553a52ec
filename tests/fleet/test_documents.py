"""Persisted-query documents in Redis: found by every instance, expiring, bounded, and "not
found" (never an error) while Redis is away."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from gateway.fleet.documents import SharedDocuments
from gateway.fleet.redis import RedisLink
from tests.redis_fixtures import TIMEOUT, Clock, proxied_url
from tests.tcp_proxy import TcpProxy

DOCUMENTS = ["{ a: __typename }", "{ b: __typename }", "{ c: __typename }"]
A, B, C = (hashlib.sha256(d.encode()).hexdigest() for d in DOCUMENTS)


async def test_a_document_stored_by_one_instance_is_found_by_another(
    link: RedisLink, proxy: TcpProxy, redis_prefix: str
) -> None:
    other = RedisLink(proxied_url(proxy), prefix=redis_prefix, timeout=TIMEOUT)
    try:
        mine = SharedDocuments(link, capacity=10, ttl=60)
        theirs = SharedDocuments(other, capacity=10, ttl=60)
        assert await theirs.get(A) is None
        await mine.put(A, DOCUMENTS[0])
        assert await theirs.get(A) == DOCUMENTS[0]
    finally:
        await other.close()


async def test_documents_expire_unless_used(link: RedisLink, direct: Redis) -> None:
    documents = SharedDocuments(link, capacity=10, ttl=60)
    await documents.put(A, DOCUMENTS[0])
    key = link.key("{apq}", A)
    assert 59_000 < await direct.pttl(key) <= 60_000
    # when time passes, then a use renews it
    await direct.expire(key, 5)
    assert await documents.get(A) == DOCUMENTS[0]
    assert 59_000 < await direct.pttl(key) <= 60_000


async def test_the_least_recently_used_document_goes_first(link: RedisLink, direct: Redis) -> None:
    documents = SharedDocuments(link, capacity=2, ttl=60)
    await documents.put(A, DOCUMENTS[0])
    await documents.put(B, DOCUMENTS[1])
    assert await documents.get(A) == DOCUMENTS[0]  # A is now more recent than B
    await documents.put(C, DOCUMENTS[2])
    assert await documents.get(B) is None
    assert await documents.get(A) == DOCUMENTS[0]
    assert await documents.get(C) == DOCUMENTS[2]
    assert await direct.zcard(documents.index) == 2
    assert not await direct.exists(link.key("{apq}", B))


async def test_redis_away_means_not_found(link: RedisLink, proxy: TcpProxy, clock: Clock) -> None:
    documents = SharedDocuments(link, capacity=10, ttl=60)
    await documents.put(A, DOCUMENTS[0])
    await proxy.stop()
    assert await documents.get(A) is None
    await documents.put(B, DOCUMENTS[1])  # skipped, no error
    assert not link.up
