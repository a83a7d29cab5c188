"""Error handling: the exception types and fields mollie-api-python raises
for the sandbox's Mollie-shaped error bodies."""

import pytest
from mollie.api.client import Client
from mollie.api.error import (
    BadRequestError,
    NotFoundError,
    RequestSetupError,
    UnauthorizedError,
    UnprocessableEntityError,
)


def test_invalid_locale_is_a_422_with_field(client):
    with pytest.raises(UnprocessableEntityError) as info:
        client.customers.create({"name": "X", "locale": "xx_XX"})
    err = info.value
    assert err.status == 422
    assert err.field == "locale"
    assert str(err) == "The locale is invalid"
    assert client.customers.list().count == 0


def test_unknown_body_field_is_a_422(client):
    with pytest.raises(UnprocessableEntityError) as info:
        client.customers.create({"name": "X", "nickname": "Y"})
    assert info.value.field == "nickname"
    assert str(info.value) == 'Non-existent body parameter "nickname" for this API call.'


def test_payment_validation_names_the_field(client):
    customer = client.customers.create()
    cases = [
        ({"description": "d", "redirectUrl": "https://example.org"}, "amount", "The amount is required for payments"),
        (
            {"amount": {"value": "10.0", "currency": "EUR"}, "description": "d", "redirectUrl": "https://example.org"},
            "amount.value",
            "The amount contains an invalid value",
        ),
        (
            {"amount": {"value": "10.00", "currency": "XYZ"}, "description": "d", "redirectUrl": "https://example.org"},
            "amount.currency",
            "The amount contains an invalid currency",
        ),
        (
            {"amount": {"value": "10.00", "currency": "EUR"}, "redirectUrl": "https://example.org"},
            "description",
            "The 'description' field is missing",
        ),
        (
            {"amount": {"value": "10.00", "currency": "EUR"}, "description": "d"},
            "redirectUrl",
            "The redirect URL is invalid",
        ),
    ]
    for body, field, detail in cases:
        with pytest.raises(UnprocessableEntityError) as info:
            customer.payments.create(body)
        assert (info.value.field, str(info.value)) == (field, detail), body
    assert customer.payments.list().count == 0


def test_recurring_payment_without_mandate(client):
    customer = client.customers.create()
    with pytest.raises(UnprocessableEntityError) as info:
        customer.payments.create(
            {"amount": {"value": "5.00", "currency": "EUR"}, "description": "Monthly", "sequenceType": "recurring"}
        )
    assert str(info.value) == "No suitable mandates found for customer"


def test_unknown_customer_is_not_found(client):
    with pytest.raises(NotFoundError) as info:
        client.customers.get("cst_doesnotexist")
    err = info.value
    assert err.status == 404
    assert err.field is None
    assert str(err) == "No customer exists with token cst_doesnotexist."

    with pytest.raises(NotFoundError):
        client.customers.update("cst_doesnotexist", {"name": "x"})
    with pytest.raises(NotFoundError):
        client.customers.delete("cst_doesnotexist")


def test_bad_cursor_is_a_400_with_field(client):
    with pytest.raises(BadRequestError) as info:
        client.customers.list(**{"from": "cst_doesnotexist"})
    assert info.value.status == 400
    assert info.value.field == "from"

    with pytest.raises(BadRequestError) as info:
        client.customers.list(limit=251)
    assert info.value.field == "limit"


def test_unknown_key_is_unauthorized(make_client):
    # Well-formed for the client, but too short to be a Mollie key.
    bad = make_client("test_tooshort")
    with pytest.raises(UnauthorizedError) as info:
        bad.customers.list()
    err = info.value
    assert err.status == 401
    assert str(err) == "Missing authentication, or failed to authenticate"
    assert err.field is None


def test_testmode_with_api_key_is_refused_by_the_client(client):
    # The client refuses this before any request: with an API key the mode
    # comes from the key. (The sandbox would answer 422 as well.)
    client.set_testmode(True)
    with pytest.raises(RequestSetupError):
        client.customers.list()


def test_access_token_in_test_mode(base_url, new_key):
    token = new_key("access_")
    client = Client(api_endpoint=base_url)
    client.set_access_token(token)
    client.set_testmode(True)
    live = Client(api_endpoint=base_url)
    live.set_access_token(token)

    # POST and PATCH carry "testmode": true in the JSON body, GET ?testmode=true.
    customer = client.customers.create({"name": "Token test"})
    assert customer.mode == "test"
    assert customer["_links"]["self"]["href"] == f"{base_url}/v2/customers/{customer.id}?testmode=true"
    assert client.customers.update(customer.id, {"email": "t@example.org"}).email == "t@example.org"
    assert client.customers.get(customer.id).mode == "test"
    assert [c.id for c in client.customers.list()] == [customer.id]

    # The token's live mode is a separate world.
    with pytest.raises(NotFoundError):
        live.customers.get(customer.id)

    # DELETE carries {"testmode": true} as its body.
    assert client.customers.delete(customer.id) == {}
    assert client.customers.list().count == 0
