"""Customer payments and the Payments API through mollie-api-python."""

import re
from datetime import datetime, timedelta

import pytest
from mollie.api.error import NotFoundError, ResponseError
from mollie.api.objects.payment import Payment

PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{10}$")
DOCS = "https://docs.mollie.com/reference/v2/"


def payment_body(value="10.00", description="Order #1", **extra):
    body = {
        "amount": {"value": value, "currency": "EUR"},
        "description": description,
        "redirectUrl": "http://localhost:3000/return",
    }
    body.update(extra)
    return body


def test_create_customer_payment(client, base_url):
    customer = client.customers.create({"name": "Payer"})

    payment = customer.payments.create(
        payment_body(
            value="12.50",
            webhookUrl="http://localhost:3000/webhook",
            metadata={"orderId": "1234"},
            sequenceType="first",
            method="ideal",
        )
    )

    assert isinstance(payment, Payment)
    assert payment.resource == "payment"
    assert PAYMENT_ID.match(payment.id), payment.id
    assert payment.mode == "test"
    assert payment.amount == {"value": "12.50", "currency": "EUR"}
    assert payment.description == "Order #1"
    assert payment.method == "ideal"
    assert payment.metadata == {"orderId": "1234"}
    assert payment.status == "open"
    assert payment.is_open()
    assert not payment.is_paid()
    assert payment.is_cancelable is False
    assert payment.customer_id == customer.id
    assert payment.sequence_type == "first"
    assert payment.has_sequence_type_first()
    assert payment.redirect_url == "http://localhost:3000/return"
    assert payment.webhook_url == "http://localhost:3000/webhook"
    assert re.match(r"^pfl_[A-Za-z0-9]+$", payment.profile_id)
    for absent in ("paidAt", "canceledAt", "expiredAt", "failedAt", "mandateId", "details", "cancelUrl"):
        assert absent not in payment, absent

    created = datetime.fromisoformat(payment.created_at)
    expires = datetime.fromisoformat(payment.expires_at)
    assert expires - created == timedelta(minutes=15)

    assert payment.checkout_url.startswith(base_url + "/checkout/")
    # An iDEAL payment opens the bank list; the link carries its account's
    # page token after the id.
    path, _, query = payment.checkout_url.partition("?")
    assert path.endswith("/select-issuer/ideal/" + payment.id.removeprefix("tr_")), path
    assert query.startswith("account="), query
    links = payment["_links"]
    assert links["self"]["href"] == f"{base_url}/v2/payments/{payment.id}"
    assert links["customer"]["href"] == f"{base_url}/v2/customers/{customer.id}"
    assert links["documentation"]["href"] == DOCS + "customers-api/create-customer-payment"


def test_customer_gains_a_payments_link(client, base_url):
    customer = client.customers.create({"name": "Linked"})
    assert "payments" not in customer["_links"]

    customer.payments.create(payment_body())

    again = client.customers.get(customer.id)
    assert again["_links"]["payments"]["href"] == f"{base_url}/v2/customers/{customer.id}/payments"


def test_list_customer_payments_with_paging(client, base_url):
    customer = client.customers.create({"name": "Many payments"})
    other = client.customers.create({"name": "Someone else"})
    created = [customer.payments.create(payment_body(description=f"Payment {i}")).id for i in range(5)]
    other.payments.create(payment_body(description="Not mine"))
    newest_first = list(reversed(created))

    page = customer.payments.list(limit=2)

    assert page.count == 2
    assert [p.id for p in page] == newest_first[:2]
    assert all(isinstance(p, Payment) for p in page)
    assert all(p.customer_id == customer.id for p in page)
    assert page["_links"]["self"]["href"] == f"{base_url}/v2/customers/{customer.id}/payments?limit=2"
    assert page["_links"]["documentation"]["href"] == DOCS + "customers-api/list-customer-payments"

    seen = [p.id for p in page]
    while page.has_next():
        page = page.get_next()
        seen.extend(p.id for p in page)
    assert seen == newest_first
    assert [p.description for p in customer.payments.list()] == [f"Payment {i}" for i in reversed(range(5))]


def test_get_payment(client, base_url):
    customer = client.customers.create({"name": "Getter"})
    created = customer.payments.create(payment_body(value="0.99", locale="nl_NL"))

    payment = client.payments.get(created.id)

    assert payment.id == created.id
    assert payment.amount == {"value": "0.99", "currency": "EUR"}
    assert payment.locale == "nl_NL"
    assert payment.status == "open"
    assert payment.method is None
    assert payment.metadata is None
    assert payment.customer_id == customer.id
    assert payment.sequence_type == "oneoff"
    assert payment.created_at == created.created_at
    assert payment.expires_at == created.expires_at
    assert payment["_links"]["documentation"]["href"] == DOCS + "payments-api/get-payment"
    # The client follows the customer link / customerId back.
    assert payment.get_customer().id == customer.id


def test_payment_keeps_customer_id_after_customer_is_deleted(client):
    customer = client.customers.create({"name": "Leaving"})
    payment = customer.payments.create(payment_body())

    client.customers.delete(customer.id)

    assert client.payments.get(payment.id).customer_id == customer.id
    with pytest.raises(ResponseError) as info:
        customer.payments.list()
    assert info.value.status == 410


def test_unknown_payment_is_not_found(client):
    with pytest.raises(NotFoundError) as info:
        client.payments.get("tr_doesnotexist")
    assert info.value.status == 404
    assert str(info.value) == "No payment exists with token tr_doesnotexist."
