"""The first-payment -> mandate -> recurring-payment flow, payment updates,
cancels and webhooks, as an app using mollie-api-python sees them.

The status change a customer makes on the test checkout page is made here
through the sandbox's own API, POST /_sandbox/payments/{id}/status, with
the same Bearer key as the client.
"""

import queue
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from mollie.api.error import UnprocessableEntityError
from mollie.api.objects.payment import Payment

MANDATE_ID = re.compile(r"^mdt_[A-Za-z0-9]{10}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
DOCS = "https://docs.mollie.com/reference/v2/"


def set_status(base_url, api_key, payment_id, status):
    """What the customer's choice on the test checkout page does."""
    resp = requests.post(
        f"{base_url}/_sandbox/payments/{payment_id}/status",
        json={"status": status},
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == status
    return resp.json()


def first_payment(customer, **extra):
    body = {
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "First payment",
        "sequenceType": "first",
        "method": "ideal",
        "redirectUrl": "http://localhost:3000/return",
        "webhookUrl": "http://localhost:3000/webhook",
    }
    body.update(extra)
    return customer.payments.create(body)


def recurring_body(customer_id, **extra):
    body = {
        "amount": {"value": "25.00", "currency": "EUR"},
        "description": "Monthly",
        "sequenceType": "recurring",
        "customerId": customer_id,
    }
    body.update(extra)
    return body


def test_paid_first_payment_creates_a_directdebit_mandate(client, base_url, api_key):
    customer = client.customers.create({"name": "First payer"})
    payment = first_payment(customer)
    assert payment.status == "open"
    assert payment.checkout_url is not None
    assert customer.mandates.list().count == 0

    set_status(base_url, api_key, payment.id, "paid")

    paid = client.payments.get(payment.id)
    assert paid.status == "paid"
    assert paid.is_paid()
    assert DATETIME.match(paid.paid_at), paid.paid_at
    assert paid.is_cancelable is None and "isCancelable" not in paid
    assert paid.expires_at is None
    assert paid.checkout_url is None
    assert paid.amount_refunded == {"value": "0.00", "currency": "EUR"}
    assert paid.amount_remaining == {"value": "10.00", "currency": "EUR"}
    assert paid.settlement_amount == {"value": "10.00", "currency": "EUR"}
    assert paid.details == {
        "consumerName": "T. TEST",
        "consumerAccount": "NL12RABO0995764688",
        "consumerBic": "TRIONL2U",
    }
    assert MANDATE_ID.match(paid.mandate_id), paid.mandate_id
    links = paid["_links"]
    assert links["mandate"]["href"] == f"{base_url}/v2/customers/{customer.id}/mandates/{paid.mandate_id}"
    # Paid test payments get changePaymentState (for refund and chargeback tests).
    assert paid.changepaymentstate_url is not None

    # The client's helper fetches the mandate from customerId and mandateId.
    mandate = paid.get_mandate()
    assert mandate.id == paid.mandate_id
    assert mandate.status == "valid"
    assert mandate.method == "directdebit"
    assert mandate.details == {
        "consumerName": "T. TEST",
        "consumerAccount": "NL12RABO0995764688",
        "consumerBic": "TRIONL2U",
    }

    mandates = customer.mandates.list()
    assert [(m.id, m.method, m.status) for m in mandates] == [(paid.mandate_id, "directdebit", "valid")]
    # The customer now links to its mandates.
    again = client.customers.get(customer.id)
    assert again["_links"]["mandates"]["href"] == f"{base_url}/v2/customers/{customer.id}/mandates"


@pytest.mark.parametrize("status", ["failed", "canceled", "expired"])
def test_unpaid_first_payment_creates_no_mandate(client, base_url, api_key, status):
    customer = client.customers.create()
    payment = first_payment(customer)

    set_status(base_url, api_key, payment.id, status)

    after = client.payments.get(payment.id)
    assert after.status == status
    assert after.mandate_id is None
    assert customer.mandates.list().count == 0


def test_recurring_payment_uses_the_mandate(client, base_url, api_key):
    customer = client.customers.create({"name": "Subscriber"})
    first = first_payment(customer)
    set_status(base_url, api_key, first.id, "paid")
    mandate_id = client.payments.get(first.id).mandate_id

    recurring = client.payments.create(recurring_body(customer.id))

    assert isinstance(recurring, Payment)
    assert recurring.sequence_type == "recurring"
    assert recurring.has_sequence_type_recurring()
    assert recurring.customer_id == customer.id
    assert recurring.mandate_id == mandate_id
    assert recurring.method == "directdebit"
    assert recurring.status == "pending"
    assert recurring.is_pending()
    assert recurring.is_cancelable is True
    assert recurring.redirect_url is None
    # Executed without the customer: no checkout, but a test-mode page to
    # decide the outcome.
    assert recurring.checkout_url is None
    assert recurring.changepaymentstate_url is not None
    assert recurring.details["consumerName"] == "T. TEST"
    assert recurring.details["consumerAccount"] == "NL12RABO0995764688"
    assert recurring["_links"]["documentation"]["href"] == DOCS + "payments-api/create-payment"

    # It stays pending until the test changes it, here through the
    # changePaymentState page the client surfaces (a plain HTML form).
    assert client.payments.get(recurring.id).status == "pending"
    page = requests.get(recurring.changepaymentstate_url, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Monthly" in page.text and "25.00" in page.text
    chosen = requests.post(recurring.changepaymentstate_url, data={"status": "paid"}, timeout=10)
    assert chosen.status_code == 200
    assert client.payments.get(recurring.id).is_paid()

    # The customer endpoint does the same (the customer comes from the path),
    # and lists every payment of the customer.
    body = recurring_body(customer.id, description="Month 2")
    del body["customerId"]
    again = customer.payments.create(body)
    assert (again.mandate_id, again.status) == (mandate_id, "pending")
    assert [p.id for p in customer.payments.list()] == [again.id, recurring.id, first.id]


def test_recurring_payment_picks_the_newest_valid_mandate(client):
    customer = client.customers.create()
    older = customer.mandates.create(
        {"method": "directdebit", "consumerName": "Old", "consumerAccount": "NL55INGB0000000000"}
    )
    newer = customer.mandates.create(
        {"method": "directdebit", "consumerName": "New", "consumerAccount": "NL55INGB0000000000"}
    )

    assert client.payments.create(recurring_body(customer.id)).mandate_id == newer.id
    explicit = client.payments.create(recurring_body(customer.id, mandateId=older.id))
    assert explicit.mandate_id == older.id
    assert explicit.details["consumerName"] == "Old"

    customer.mandates.delete(newer.id)
    assert client.payments.create(recurring_body(customer.id)).mandate_id == older.id


def test_recurring_payment_retried_with_the_same_idempotency_key_charges_once(client, base_url, api_key):
    customer = client.customers.create()
    first = first_payment(customer)
    set_status(base_url, api_key, first.id, "paid")

    # Mollie asks for an Idempotency-Key on recurring creates: a retry after
    # a lost answer must not charge twice.
    one = client.payments.create(recurring_body(customer.id), idempotency_key="charge-2024-01")
    two = client.payments.create(recurring_body(customer.id), idempotency_key="charge-2024-01")
    three = client.payments.create(recurring_body(customer.id), idempotency_key="charge-2024-02")

    assert two.id == one.id
    assert two.created_at == one.created_at
    assert three.id != one.id
    assert [p.id for p in client.payments.list()] == [three.id, one.id, first.id]


def test_recurring_payment_without_a_mandate_is_refused(client):
    customer = client.customers.create({"name": "No mandate"})

    with pytest.raises(UnprocessableEntityError) as info:
        client.payments.create(recurring_body(customer.id))
    assert info.value.status == 422
    assert str(info.value) == "No suitable mandates found for customer"

    # A revoked mandate does not count.
    mandate = customer.mandates.create(
        {"method": "directdebit", "consumerName": "Gone", "consumerAccount": "NL55INGB0000000000"}
    )
    customer.mandates.delete(mandate.id)
    with pytest.raises(UnprocessableEntityError) as info:
        client.payments.create(recurring_body(customer.id))
    assert str(info.value) == "No suitable mandates found for customer"
    assert client.payments.list().count == 0


def test_update_payment(client, base_url):
    customer = client.customers.create()
    payment = first_payment(customer, metadata={"orderId": "1"})

    updated = client.payments.update(
        payment.id,
        {"description": "Order #2", "metadata": {"orderId": "2", "items": [1, 2]}},
    )

    assert isinstance(updated, Payment)
    assert updated.id == payment.id
    assert updated.description == "Order #2"
    assert updated.metadata == {"orderId": "2", "items": [1, 2]}
    assert updated.status == "open"
    assert updated.amount == payment.amount
    assert updated["_links"]["documentation"]["href"] == DOCS + "payments-api/update-payment"
    fetched = client.payments.get(payment.id)
    assert (fetched.description, fetched.metadata) == ("Order #2", {"orderId": "2", "items": [1, 2]})


def test_cancel_banktransfer_payment(client):
    payment = client.payments.create(
        {
            "amount": {"value": "75.00", "currency": "EUR"},
            "description": "Invoice 42",
            "method": "banktransfer",
            "redirectUrl": "http://localhost:3000/return",
        }
    )
    assert payment.status == "open"
    assert payment.is_cancelable is True

    canceled = client.payments.delete(payment.id)

    assert isinstance(canceled, Payment)
    assert canceled.id == payment.id
    assert canceled.status == "canceled"
    assert canceled.is_canceled()
    assert DATETIME.match(canceled.canceled_at), canceled.canceled_at
    for gone in ("isCancelable", "expiresAt"):
        assert gone not in canceled, gone
    assert canceled.checkout_url is None
    assert client.payments.get(payment.id).status == "canceled"


def test_cancel_open_ideal_payment_is_refused(client):
    customer = client.customers.create()
    payment = first_payment(customer)
    assert payment.is_cancelable is False

    with pytest.raises(UnprocessableEntityError) as info:
        client.payments.delete(payment.id)
    assert info.value.status == 422
    assert str(info.value) == "The payment cannot be cancelled"
    assert client.payments.get(payment.id).status == "open"


class WebhookReceiver:
    """An app's webhook endpoint: on `id=tr_...` it fetches the payment
    through the client, as Mollie tells integrators to."""

    def __init__(self, client):
        seen = self.seen = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                try:
                    form = parse_qs(raw, strict_parsing=True)
                    payment = client.payments.get(form["id"][0])
                    seen.put((self.path, self.headers.get("Content-Type"), raw, payment.status, payment.mandate_id))
                except Exception as e:  # noqa: BLE001 - the test thread reports it
                    seen.put(e)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mollie/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next(self, timeout=10):
        item = self.seen.get(timeout=timeout)
        if isinstance(item, Exception):
            raise item
        return item

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(client):
    r = WebhookReceiver(client)
    yield r
    r.close()


def test_webhook_tells_the_app_the_first_payment_is_paid(client, base_url, api_key, receiver):
    customer = client.customers.create()
    payment = first_payment(customer, webhookUrl=receiver.url)
    assert payment.webhook_url == receiver.url

    set_status(base_url, api_key, payment.id, "paid")

    path, content_type, raw, status, mandate_id = receiver.next()
    assert path == "/mollie/webhook"
    assert content_type == "application/x-www-form-urlencoded"
    assert raw == f"id={payment.id}"
    assert status == "paid"
    assert MANDATE_ID.match(mandate_id), mandate_id
    # One status change, one delivery.
    with pytest.raises(queue.Empty):
        receiver.next(timeout=0.5)


def test_webhook_on_cancel(client, receiver):
    payment = client.payments.create(
        {
            "amount": {"value": "5.00", "currency": "EUR"},
            "description": "Cancel me",
            "method": "banktransfer",
            "redirectUrl": "http://localhost:3000/return",
            "webhookUrl": receiver.url,
        }
    )
    client.payments.delete(payment.id)

    _, _, raw, status, _ = receiver.next()
    assert (raw, status) == (f"id={payment.id}", "canceled")
