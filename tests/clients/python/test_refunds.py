"""Refunds, chargebacks and captures through mollie-api-python.

Payments are made paid (or authorized) and charged back through the
sandbox's own API with the same key, as a headless test does; everything
else goes through the client.
"""

import re
import time

import pytest
import requests
from mollie.api.error import NotFoundError, UnprocessableEntityError

REFUND_ID = re.compile(r"^re_[A-Za-z0-9]{10}$")


def sandbox_post(base_url, api_key, path, body):
    resp = requests.post(
        f"{base_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10,
    )
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def paid_payment(client, base_url, api_key, value="10.00", **extra):
    body = {
        "amount": {"value": value, "currency": "EUR"},
        "description": "Order #7",
        "redirectUrl": "http://localhost:3000/return",
        "method": "creditcard",
    }
    body.update(extra)
    payment = client.payments.create(body)
    sandbox_post(base_url, api_key, f"/_sandbox/payments/{payment.id}/status", {"status": "paid"})
    return client.payments.get(payment.id)


def test_partial_refund_list_get_cancel(client, base_url, api_key):
    payment = paid_payment(client, base_url, api_key)
    assert payment.can_be_refunded()
    assert not payment.has_refunds()
    assert payment.amount_refunded == {"value": "0.00", "currency": "EUR"}

    refund = payment.refunds.create({"amount": {"value": "4.00", "currency": "EUR"}, "description": "Broken cup"})
    assert REFUND_ID.match(refund.id), refund.id
    assert refund.resource == "refund"
    assert refund.amount == {"value": "4.00", "currency": "EUR"}
    assert refund.description == "Broken cup"
    assert refund.payment_id == payment.id
    assert refund.is_queued()

    payment = client.payments.get(payment.id)
    assert payment.has_refunds()
    assert payment.amount_refunded == {"value": "4.00", "currency": "EUR"}
    assert payment.amount_remaining == {"value": "6.00", "currency": "EUR"}

    listed = payment.refunds.list()
    assert listed.count == 1
    assert [r.id for r in listed] == [refund.id]
    assert [r.id for r in client.refunds.list()] == [refund.id]
    got = payment.refunds.get(refund.id)
    assert got.id == refund.id
    assert got.get_payment().id == payment.id

    payment.refunds.delete(refund.id)
    assert payment.refunds.get(refund.id).status == "canceled"
    assert client.payments.get(payment.id).amount_remaining == {"value": "10.00", "currency": "EUR"}


def test_refunds_above_what_remains_are_refused(client, base_url, api_key):
    payment = paid_payment(client, base_url, api_key)
    with pytest.raises(UnprocessableEntityError) as e:
        payment.refunds.create({"amount": {"value": "10.01", "currency": "EUR"}})
    assert e.value.field == "amount"
    assert str(e.value) == "The amount is higher than the remaining amount that can be refunded"
    with pytest.raises(NotFoundError):
        payment.refunds.get("re_nothere00")


def test_chargebacks_of_a_payment_charged_back_through_the_sandbox(client, base_url, api_key):
    payment = paid_payment(client, base_url, api_key, value="66.66")
    assert not payment.has_chargebacks()
    made = sandbox_post(
        base_url,
        api_key,
        f"/_sandbox/payments/{payment.id}/chargebacks",
        {"amount": {"value": "16.66", "currency": "EUR"}, "reason": {"code": "AC01", "description": "Wrong IBAN"}},
    )
    payment = client.payments.get(payment.id)
    assert payment.has_chargebacks()
    chargebacks = payment.chargebacks.list()
    assert chargebacks.count == 1
    chargeback = next(iter(chargebacks))
    assert chargeback.id == made["id"]
    assert chargeback.amount == {"value": "16.66", "currency": "EUR"}
    assert chargeback.reason == {"code": "AC01", "description": "Wrong IBAN"}
    assert chargeback.reversed_at is None
    assert chargeback.payment_id == payment.id
    assert payment.chargebacks.get(made["id"]).id == made["id"]
    assert [c.id for c in client.chargebacks.list()] == [made["id"]]
    assert payment.amount_remaining == {"value": "50.00", "currency": "EUR"}


def test_capture_an_authorized_payment(client, base_url, api_key):
    payment = client.payments.create(
        {
            "amount": {"value": "100.00", "currency": "EUR"},
            "description": "Order #8",
            "redirectUrl": "http://localhost:3000/return",
            "method": "creditcard",
            "captureMode": "manual",
        }
    )
    assert payment.capture_mode == "manual"
    sandbox_post(base_url, api_key, f"/_sandbox/payments/{payment.id}/status", {"status": "authorized"})
    payment = client.payments.get(payment.id)
    assert payment.is_authorized()
    assert payment.capture_before is not None
    assert payment.amount_captured == {"value": "0.00", "currency": "EUR"}

    capture = payment.captures.create({"amount": {"value": "60.00", "currency": "EUR"}})
    assert capture.id.startswith("cpt_")
    # The client's Capture has no status property: read the field itself.
    assert capture["status"] == "pending"
    for _ in range(50):
        capture = payment.captures.get(capture.id)
        if capture["status"] != "pending":
            break
        time.sleep(0.1)
    assert capture["status"] == "succeeded"
    payment = client.payments.get(payment.id)
    assert payment.is_paid()
    assert payment.amount_captured == {"value": "60.00", "currency": "EUR"}
    assert payment.has_captures()
    assert [c.id for c in payment.captures.list()] == [capture.id]
