"""Customers API through mollie-api-python: create, get, update, list with
paging, delete."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from mollie.api.error import NotFoundError, ResponseError
from mollie.api.objects.customer import Customer
from mollie.api.objects.list import PaginationList

CUSTOMER_ID = re.compile(r"^cst_[A-Za-z0-9]{10}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
CUSTOMER_KEYS = ["resource", "id", "mode", "name", "email", "locale", "metadata", "createdAt", "_links"]
DOCS = "https://docs.mollie.com/reference/v2/"


def assert_recent(stamp):
    assert DATETIME.match(stamp), stamp
    created = datetime.fromisoformat(stamp)
    now = datetime.now(timezone.utc)
    assert now - timedelta(minutes=1) <= created <= now + timedelta(seconds=5), stamp


def test_create_customer_echoes_every_field(client, base_url):
    metadata = {"orderId": 12, "tags": ["vip", "nl"], "nested": {"b": None, "a": 1.5}}
    customer = client.customers.create(
        {"name": "Jan Jansen", "email": "jan@example.org", "locale": "nl_NL", "metadata": metadata}
    )

    assert isinstance(customer, Customer)
    assert list(customer.keys()) == CUSTOMER_KEYS
    assert customer.resource == "customer"
    assert CUSTOMER_ID.match(customer.id), customer.id
    assert customer.mode == "test"
    assert customer.name == "Jan Jansen"
    assert customer.email == "jan@example.org"
    assert customer.locale == "nl_NL"
    assert customer.metadata == metadata
    assert list(customer.metadata["nested"].keys()) == ["b", "a"]
    assert_recent(customer.created_at)

    links = customer["_links"]
    assert list(links.keys()) == ["self", "dashboard", "documentation"]
    assert links["self"] == {"href": f"{base_url}/v2/customers/{customer.id}", "type": "application/hal+json"}
    assert links["dashboard"]["type"] == "text/html"
    assert links["dashboard"]["href"].startswith(base_url + "/")
    assert links["documentation"] == {"href": DOCS + "customers-api/create-customer", "type": "text/html"}


def test_create_customer_without_fields_has_nulls(client):
    customer = client.customers.create()

    assert CUSTOMER_ID.match(customer.id)
    assert customer.name is None
    assert customer.email is None
    assert customer.locale is None
    assert customer.metadata is None
    # Always present, even when null.
    for key in ("name", "email", "locale", "metadata"):
        assert key in customer


def test_get_customer(client, base_url):
    created = client.customers.create({"name": "Piet", "metadata": "just a string"})

    fetched = client.customers.get(created.id)

    assert fetched.id == created.id
    assert fetched.name == "Piet"
    assert fetched.email is None
    assert fetched.metadata == "just a string"
    assert fetched.created_at == created.created_at
    assert fetched["_links"]["self"]["href"] == f"{base_url}/v2/customers/{created.id}"
    assert fetched["_links"]["documentation"]["href"] == DOCS + "customers-api/get-customer"


def test_update_customer_changes_only_what_was_sent(client):
    created = client.customers.create({"name": "Old Name", "email": "old@example.org", "metadata": {"v": 1}})

    updated = client.customers.update(created.id, {"name": "New Name", "locale": "de_DE", "metadata": None})

    assert updated.id == created.id
    assert updated.name == "New Name"
    assert updated.email == "old@example.org"
    assert updated.locale == "de_DE"
    assert updated.metadata is None
    assert updated.created_at == created.created_at
    assert updated["_links"]["documentation"]["href"] == DOCS + "customers-api/update-customer"

    again = client.customers.get(created.id)
    assert (again.name, again.email, again.locale, again.metadata) == ("New Name", "old@example.org", "de_DE", None)


def test_list_walks_pages_newest_first(client, base_url):
    created = [client.customers.create({"name": f"Customer {i}"}).id for i in range(7)]
    newest_first = list(reversed(created))

    page = client.customers.list(limit=3)

    assert isinstance(page, PaginationList)
    assert page.count == 3
    assert [c.id for c in page] == newest_first[0:3]
    assert all(isinstance(c, Customer) for c in page)
    assert page["_links"]["self"]["href"] == f"{base_url}/v2/customers?limit=3"
    assert page["_links"]["previous"] is None
    assert page["_links"]["next"]["href"] == f"{base_url}/v2/customers?from={newest_first[3]}&limit=3"
    assert page["_links"]["documentation"]["href"] == DOCS + "customers-api/list-customers"
    # List items carry no documentation link.
    assert "documentation" not in page[0]["_links"]
    assert page.has_next()
    assert not page.has_previous()

    seen = [c.id for c in page]
    pages = 1
    while page.has_next():
        page = page.get_next()
        pages += 1
        seen.extend(c.id for c in page)

    assert pages == 3
    assert seen == newest_first
    assert page.count == 1
    assert page["_links"]["next"] is None
    assert page.has_previous()

    back = page.get_previous()
    assert [c.id for c in back] == newest_first[3:6]


def test_list_ascending_with_from(client):
    created = [client.customers.create({"name": f"C{i}"}).id for i in range(4)]

    page = client.customers.list(sort="asc", **{"from": created[1]}, limit=2)

    assert [c.id for c in page] == created[1:3]
    assert page["_links"]["next"]["href"].endswith(f"/v2/customers?from={created[3]}&sort=asc&limit=2")


def test_empty_list(client, base_url):
    page = client.customers.list()

    assert page.count == 0
    assert list(page) == []
    assert page["_embedded"] == {"customers": []}
    assert page["_links"]["self"]["href"] == f"{base_url}/v2/customers"
    assert page["_links"]["next"] is None
    assert not page.has_next()


def test_accounts_are_isolated_by_key(client, make_client):
    mine = client.customers.create({"name": "Mine"})
    other = make_client()

    assert other.customers.list().count == 0
    with pytest.raises(NotFoundError):
        other.customers.get(mine.id)


def test_delete_customer(client):
    keep = client.customers.create({"name": "Keep"})
    gone = client.customers.create({"name": "Gone"})

    result = client.customers.delete(gone.id)

    # 204 No Content: the client hands back an empty dict.
    assert result == {}
    assert [c.id for c in client.customers.list()] == [keep.id]

    # A deleted customer is gone (410); mollie-api-python has no subclass for
    # 410, so it raises the generic ResponseError.
    with pytest.raises(ResponseError) as info:
        client.customers.get(gone.id)
    assert type(info.value) is ResponseError
    assert info.value.status == 410
    assert str(info.value) == "The customer has been deleted."

    with pytest.raises(ResponseError) as info:
        client.customers.delete(gone.id)
    assert info.value.status == 410


def test_idempotent_create_replays_the_first_customer(client):
    first = client.customers.create({"name": "Once"}, idempotency_key="retry-me-1")
    second = client.customers.create({"name": "Once"}, idempotency_key="retry-me-1")

    assert second.id == first.id
    assert client.customers.list().count == 1
