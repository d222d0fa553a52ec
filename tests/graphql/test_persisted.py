"""Automatic persisted queries (Apollo protocol) and the allow-list mode."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from gateway.cli import main
from gateway.graphql.persisted import (
    ManifestError,
    PersistedQueries,
    PersistedQueryError,
    document_hash,
    load_manifest,
    register_documents,
)
from gateway.settings import Settings
from tests.app_client import serve
from tests.factories import add_customer, add_order
from tests.graphql.conftest import without_cost

TOKEN = "a" * 40
MY_ORDER_IDS = "query Ids { myOrders(first: 5) { nodes { databaseId } } }"
OTHER_DOCUMENT = "query Other { me { email } }"
# myOrders 1 + 5 × nodes 1 requested; one order returned
COST = {"cost": {"requestedQueryCost": 6, "actualQueryCost": 2}}


def _persisted(document: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}


@asynccontextmanager
async def allow_list(settings: Settings, manifest: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the service in allow-list mode with this manifest."""
    changes = {"persisted_queries_file": str(manifest), "persisted_queries_only": True}
    async with serve(settings, **changes) as served:
        yield served.client


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
    expected = {"data": {"myOrders": {"nodes": [{"databaseId": order}]}}, "extensions": COST}
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
    with pytest.raises(ManifestError, match="does not match"):
        load_manifest(manifest)


async def test_allow_list_mode_runs_only_registered_documents(
    settings: Settings, engine, session, tmp_path: Path
) -> None:
    # given a service in allow-list mode with one registered document
    order = await _shop(session)
    manifest = tmp_path / "persisted.json"
    register_documents(manifest, [MY_ORDER_IDS])
    headers = {"Authorization": f"Token {TOKEN}"}
    async with allow_list(settings, manifest) as client:
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
    expected = {"data": {"myOrders": {"nodes": [{"databaseId": order}]}}, "extensions": COST}
    assert by_hash.json() == expected
    assert in_full.json() == expected
    for refused in (other, other_hash):
        assert refused.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}


# --- manifests in the formats clients' build tools write -----------------------------------

APOLLO_MANIFEST = {
    "format": "apollo-persisted-query-manifest",
    "version": 1,
    "operations": [
        {"id": document_hash(MY_ORDER_IDS), "body": MY_ORDER_IDS, "name": "Ids", "type": "query"}
    ],
}
RELAY_ID = "5b3c2d0a7e5f"  # Relay's ids are the compiler's own (here an opaque one)
RELAY_MANIFEST = {RELAY_ID: MY_ORDER_IDS}
CODEGEN_MANIFEST = {hashlib.sha1(MY_ORDER_IDS.encode()).hexdigest(): MY_ORDER_IDS}


@pytest.mark.parametrize(
    ("manifest", "request_body"),
    [
        (APOLLO_MANIFEST, {"extensions": _persisted(MY_ORDER_IDS)}),
        (RELAY_MANIFEST, {"doc_id": RELAY_ID}),
        (CODEGEN_MANIFEST, {"documentId": next(iter(CODEGEN_MANIFEST))}),
        ({document_hash(MY_ORDER_IDS): MY_ORDER_IDS},
         {"documentId": f"sha256:{document_hash(MY_ORDER_IDS)}"}),
    ],
    ids=["Apollo manifest, APQ hash", "Relay, doc_id", "graphql-codegen, documentId",
         "register's own, documentId with sha256: prefix"],
)  # fmt: skip
async def test_each_manifest_format_runs_its_clients_requests_in_allow_list_mode(
    settings: Settings, engine, session, tmp_path: Path, manifest, request_body
) -> None:
    # given a service in allow-list mode with a manifest of one client tool
    order = await _shop(session)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    headers = {"Authorization": f"Token {TOKEN}"}
    async with allow_list(settings, path) as client:
        # when the client sends its request over POST, and over GET
        posted = await client.post("/graphql", json=request_body, headers=headers)
        params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in request_body.items()}
        got = await client.get("/graphql", params=params, headers=headers)
        unknown = await client.post("/graphql", json={"doc_id": "nope"}, headers=headers)

    # then the registered document runs; an unknown id is PERSISTED_QUERY_NOT_FOUND
    expected = {"data": {"myOrders": {"nodes": [{"databaseId": order}]}}}
    assert without_cost(posted.json()) == expected
    assert without_cost(got.json()) == expected
    assert unknown.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a JSON file"),
        ("[]", "expected a JSON object of id -> document, or an Apollo persisted query manifest"),
        ('{"a": 1}', "expected a JSON object of id -> document"),
        (json.dumps({"format": "apollo-persisted-query-manifest", "version": 1,
                     "operations": [{"id": "x"}]}), "each operation needs a string id and body"),
        (json.dumps({hashlib.md5(b"{ a }").hexdigest(): "{ b }"}), "does not match its document"),
    ],
)  # fmt: skip
def test_a_manifest_that_cannot_be_used_is_refused(tmp_path: Path, content, message) -> None:
    manifest = tmp_path / "persisted.json"
    manifest.write_text(content, encoding="utf-8")

    with pytest.raises(ManifestError, match=message):
        load_manifest(manifest)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("{ myOrders {", "Syntax Error: Expected Name, found <EOF>. (line 1, column 13)"),
        ("{ nothingHere }",
         "Cannot query field 'nothingHere' on type 'Query'. (line 1, column 3)"),
    ],
)  # fmt: skip
def test_register_refuses_a_document_that_does_not_parse_or_validate(
    tmp_path: Path, capsys, document, problem
) -> None:
    # given a good document and a bad one
    good = tmp_path / "good.graphql"
    good.write_text(MY_ORDER_IDS, encoding="utf-8")
    bad = tmp_path / "bad.graphql"
    bad.write_text(document, encoding="utf-8")
    manifest = tmp_path / "persisted.json"

    # when both are registered
    code = main(["apq", "register", str(good), str(bad), "--manifest", str(manifest)])

    # then nothing is registered, and one line says why
    assert code == 2
    assert capsys.readouterr().err == f"error: {bad}: {problem}; nothing was registered\n"
    assert not manifest.exists()
