"""Mandates API through mollie-api-python: create (direct debit, PayPal),
get, list with paging, revoke, and the errors the client raises."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from mollie.api.error import IdentifierError, NotFoundError, ResponseError, UnprocessableEntityError
from mollie.api.objects.mandate import Mandate

MANDATE_ID = re.compile(r"^mdt_[A-Za-z0-9]{10}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
DOCS = "https://docs.mollie.com/reference/v2/"


def directdebit(name="John Doe", **extra):
    body = {
        "method": "directdebit",
        "consumerName": name,
        "consumerAccount": "NL55INGB0000000000",
        "consumerBic": "INGBNL2A",
    }
    body.update(extra)
    return body


def test_create_directdebit_mandate(client, base_url):
    customer = client.customers.create({"name": "John Doe"})

    mandate = customer.mandates.create(
        directdebit(signatureDate="2024-01-15", mandateReference="YOUR-COMPANY-MD1380")
    )

    assert isinstance(mandate, Mandate)
    assert mandate.resource == "mandate"
    assert MANDATE_ID.match(mandate.id), mandate.id
    assert mandate["mode"] == "test"
    # Test-mode direct debit mandates are valid at once.
    assert mandate.status == "valid"
    assert mandate.is_valid() and not mandate.is_pending() and not mandate.is_invalid()
    assert mandate.method == "directdebit"
    assert mandate.details == {
        "consumerName": "John Doe",
        "consumerAccount": "NL55INGB0000000000",
        "consumerBic": "INGBNL2A",
    }
    assert mandate.mandate_reference == "YOUR-COMPANY-MD1380"
    assert mandate.signature_date == "2024-01-15"
    assert DATETIME.match(mandate.created_at), mandate.created_at
    age = datetime.now(timezone.utc) - datetime.fromisoformat(mandate.created_at)
    assert timedelta(seconds=-5) <= age <= timedelta(minutes=1)

    links = mandate["_links"]
    assert links["self"]["href"] == f"{base_url}/v2/customers/{customer.id}/mandates/{mandate.id}"
    assert links["customer"]["href"] == f"{base_url}/v2/customers/{customer.id}"
    assert links["documentation"]["href"] == DOCS + "mandates-api/create-mandate"
    # The client follows _links.customer back.
    assert mandate.get_customer().id == customer.id


def test_mandate_without_optional_fields_has_nulls(client):
    customer = client.customers.create()

    mandate = customer.mandates.create(
        {"method": "directdebit", "consumerName": "Jane", "consumerAccount": "NL55 INGB 0000 0000 00"}
    )

    # The IBAN comes back in its electronic form; no BIC given, null.
    assert mandate.details == {"consumerName": "Jane", "consumerAccount": "NL55INGB0000000000", "consumerBic": None}
    for key in ("mandateReference", "signatureDate"):
        assert key in mandate and mandate[key] is None, key


def test_get_mandate(client, base_url):
    customer = client.customers.create({"name": "Getter"})
    created = customer.mandates.create(directdebit(mandateReference="REF-7"))

    mandate = customer.mandates.get(created.id)

    assert isinstance(mandate, Mandate)
    assert mandate.id == created.id
    assert mandate.status == "valid"
    assert mandate.method == "directdebit"
    assert mandate.details == created.details
    assert mandate.mandate_reference == "REF-7"
    assert mandate.created_at == created.created_at
    assert mandate["_links"]["documentation"]["href"] == DOCS + "mandates-api/get-mandate"


def test_list_mandates_with_paging(client, base_url):
    customer = client.customers.create({"name": "Many mandates"})
    other = client.customers.create({"name": "Someone else"})
    created = [customer.mandates.create(directdebit(name=f"Holder {i}")).id for i in range(5)]
    other.mandates.create(directdebit(name="Not mine"))
    newest_first = list(reversed(created))

    page = customer.mandates.list(limit=2)

    assert page.count == 2
    assert [m.id for m in page] == newest_first[:2]
    assert all(isinstance(m, Mandate) for m in page)
    assert page["_links"]["self"]["href"] == f"{base_url}/v2/customers/{customer.id}/mandates?limit=2"
    assert page["_links"]["previous"] is None
    assert page["_links"]["documentation"]["href"] == DOCS + "mandates-api/list-mandates"

    seen = [m.id for m in page]
    while page.has_next():
        page = page.get_next()
        seen.extend(m.id for m in page)
    assert seen == newest_first
    assert page.has_previous()
    assert [m.details["consumerName"] for m in customer.mandates.list()] == [
        f"Holder {i}" for i in reversed(range(5))
    ]


def test_revoke_mandate_then_get_is_gone(client):
    customer = client.customers.create({"name": "Revoker"})
    keep = customer.mandates.create(directdebit(name="Keep"))
    revoke = customer.mandates.create(directdebit(name="Revoke"))

    # 204 No Content: the client returns an empty dict.
    assert customer.mandates.delete(revoke.id) == {}

    with pytest.raises(ResponseError) as info:
        customer.mandates.get(revoke.id)
    err = info.value
    # The client has no subclass for 410: the generic ResponseError.
    assert type(err) is ResponseError
    assert err.status == 410
    assert str(err) == "The mandate has been revoked."
    assert err.field is None

    # Revoked mandates are no longer listed; revoking again is 410 too.
    assert [m.id for m in customer.mandates.list()] == [keep.id]
    with pytest.raises(ResponseError) as info:
        customer.mandates.delete(revoke.id)
    assert info.value.status == 410


def test_create_paypal_mandate(client):
    customer = client.customers.create({"name": "PayPal user"})

    mandate = customer.mandates.create(
        {
            "method": "paypal",
            "consumerName": "Pay Pal",
            "consumerEmail": "paypal@example.org",
            "paypalBillingAgreementId": "B-12A34567BC890123D",
        }
    )

    assert mandate.method == "paypal"
    assert mandate.status == "valid"
    assert mandate.details == {"consumerName": "Pay Pal", "consumerAccount": "paypal@example.org"}
    assert customer.mandates.get(mandate.id).details["consumerAccount"] == "paypal@example.org"


def test_mandate_validation_names_the_field(client):
    customer = client.customers.create()
    cases = [
        (directdebit(consumerAccount="NL56INGB0000000000"), "consumerAccount", "The IBAN is invalid"),
        (directdebit(consumerAccount="not an iban"), "consumerAccount", "The IBAN is invalid"),
        (directdebit(consumerBic="INGB"), "consumerBic", "The BIC is invalid"),
        ({"method": "directdebit", "consumerName": "X"}, "consumerAccount", "The 'consumerAccount' field is missing"),
        ({"method": "directdebit", "consumerAccount": "NL55INGB0000000000"}, "consumerName", "The 'consumerName' field is missing"),
        ({"consumerName": "X", "consumerAccount": "NL55INGB0000000000"}, "method", "The 'method' field is missing"),
        (directdebit(method="ideal"), "method", "The payment method is invalid"),
        (directdebit(signatureDate="15-01-2024"), "signatureDate", "The signature date is invalid"),
        (
            {"method": "paypal", "consumerName": "X", "consumerEmail": "x@example.org"},
            "paypalBillingAgreementId",
            "The 'paypalBillingAgreementId' field is missing",
        ),
    ]
    for body, field, detail in cases:
        with pytest.raises(UnprocessableEntityError) as info:
            customer.mandates.create(body)
        assert (info.value.status, info.value.field, str(info.value)) == (422, field, detail), body
    assert customer.mandates.list().count == 0


def test_unknown_mandate_and_customer(client):
    customer = client.customers.create()

    with pytest.raises(NotFoundError) as info:
        customer.mandates.get("mdt_doesnotexist")
    assert info.value.status == 404
    assert str(info.value) == "No mandate exists with token mdt_doesnotexist."

    # Another customer's mandate is not found through this one.
    other = client.customers.create()
    theirs = other.mandates.create(directdebit())
    with pytest.raises(NotFoundError):
        customer.mandates.get(theirs.id)

    # The client checks the prefix before sending anything.
    with pytest.raises(IdentifierError):
        customer.mandates.get("tr_notamandate")

    client.customers.delete(other.id)
    with pytest.raises(ResponseError) as info:
        other.mandates.list()
    assert info.value.status == 410
