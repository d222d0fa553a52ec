"""Automatic persisted queries (Apollo protocol) and the allow-list mode."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.cli import main
from gateway.graphql.persisted import (
    PersistedQueries,
    PersistedQueryError,
    document_hash,
    load_manifest,
    register_documents,
)
from gateway.settings import Settings
from tests.factories import add_customer, add_order

TOKEN = "a" * 40
MY_ORDER_IDS = "query Ids { myOrders(first: 5) { nodes { databaseId } } }"
OTHER_DOCUMENT = "query Other { me { email } }"


def _persisted(document: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}


async def _shop(session) -> int:
    customer = await add_customer(session, token=TOKEN)
    order = await add_order(session, customer)
    await session.commit()
    return order


async def test_miss_then_hit_over_post_and_get(client: httpx.AsyncClient, session) -> None:
    # given a customer with one order
    order = await _shop(session)
    headers = {"Authorization": f"Token {TOKEN}"}
    extensions = _persisted(MY_ORDER_IDS)

    # when the client first sends only the hash
    miss = await client.post("/graphql", json={"extensions": extensions}, headers=headers)
    # then the server asks for the document
    assert miss.status_code == 200
    assert miss.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]

    # when it retries with the document, and later sends the hash alone (POST and GET)
    full = await client.post(
        "/graphql", json={"query": MY_ORDER_IDS, "extensions": extensions}, headers=headers
    )
    by_hash = await client.post("/graphql", json={"extensions": extensions}, headers=headers)
    by_get = await client.get(
        "/graphql", params={"extensions": json.dumps(extensions)}, headers=headers
    )

    # then all three run the document
    expected = {"data": {"myOrders": {"nodes": [{"databaseId": order}]}}}
    assert full.json() == expected
    assert by_hash.json() == expected
    assert by_get.json() == expected


async def test_hash_that_does_not_match_the_document_is_refused(client, session) -> None:
    await _shop(session)
    response = await client.post(
        "/graphql",
        json={"query": MY_ORDER_IDS, "extensions": _persisted(OTHER_DOCUMENT)},
        headers={"Authorization": f"Token {TOKEN}"},
    )
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "data" not in response.json() or response.json()["data"] is None


@pytest.mark.parametrize(
    "persisted",
    [{"version": 2, "sha256Hash": "0" * 64}, {"version": 1, "sha256Hash": "abc"}, "nonsense"],
)
def test_malformed_persisted_query_extension(persisted: object) -> None:
    store = PersistedQueries(registered={}, capacity=10)
    with pytest.raises(PersistedQueryError) as raised:
        store.resolve(None, {"persistedQuery": persisted})
    assert raised.value.code == "BAD_USER_INPUT"


def test_learned_documents_are_bounded_least_recently_used_first() -> None:
    # given a store for two learned documents
    store = PersistedQueries(registered={}, capacity=2)
    documents = ["{ a }", "{ b }", "{ c }"]
    store.resolve(documents[0], _persisted(documents[0]))
    store.resolve(documents[1], _persisted(documents[1]))
    store.resolve(None, _persisted(documents[0]))  # a is now the most recently used
    # when a third is learned
    store.resolve(documents[2], _persisted(documents[2]))
    # then b was evicted, a and c are known
    assert store.resolve(None, _persisted(documents[0])) == documents[0]
    assert store.resolve(None, _persisted(documents[2])) == documents[2]
    with pytest.raises(PersistedQueryError):
        store.resolve(None, _persisted(documents[1]))


def test_register_writes_a_checked_manifest(tmp_path: Path, capsys) -> None:
    # given a document file
    document_file = tmp_path / "ids.graphql"
    document_file.write_text(MY_ORDER_IDS, encoding="utf-8")
    manifest = tmp_path / "persisted.json"
    # when it is registered through the CLI
    assert main(["apq", "register", str(document_file), "--manifest", str(manifest)]) == 0
    # then the manifest maps its hash to its text and the hash is printed
    digest = document_hash(MY_ORDER_IDS)
    assert load_manifest(manifest) == {digest: MY_ORDER_IDS}
    assert capsys.readouterr().out == f"{digest}  {document_file}\n"


def test_a_tampered_manifest_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "persisted.json"
    manifest.write_text(json.dumps({document_hash("{ a }"): "{ b }"}), encoding="utf-8")
    with pytest.raises(ValueError, match="does not match"):
        load_manifest(manifest)


async def test_allow_list_mode_runs_only_registered_documents(
    settings: Settings, engine, session, tmp_path: Path
) -> None:
    # given a service in allow-list mode with one registered document
    order = await _shop(session)
    manifest = tmp_path / "persisted.json"
    register_documents(manifest, [MY_ORDER_IDS])
    strict = settings.model_copy(
        update={"persisted_queries_file": str(manifest), "persisted_queries_only": True}
    )
    app = create_app(strict)
    headers = {"Authorization": f"Token {TOKEN}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            # when registered and unregistered documents are sent, by hash and in full
            by_hash = await client.post(
                "/graphql", json={"extensions": _persisted(MY_ORDER_IDS)}, headers=headers
            )
            in_full = await client.post("/graphql", json={"query": MY_ORDER_IDS}, headers=headers)
            other = await client.post("/graphql", json={"query": OTHER_DOCUMENT}, headers=headers)
            other_hash = await client.post(
                "/graphql",
                json={"query": OTHER_DOCUMENT, "extensions": _persisted(OTHER_DOCUMENT)},
                headers=headers,
            )

    # then only the registered one runs
    expected = {"data": {"myOrders": {"nodes": [{"databaseId": order}]}}}
    assert by_hash.json() == expected
    assert in_full.json() == expected
    for refused in (other, other_hash):
        assert refused.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}
