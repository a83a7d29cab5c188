"""Subscriptions as an app using mollie-api-python sees them: create, list,
update and cancel, then the payments a year of the sandbox's clock made.

The clock is moved through the sandbox's own API, POST /_sandbox/clock, with
the same Bearer key as the client.
"""

import datetime
import re

import pytest
import requests
from mollie.api.error import UnprocessableEntityError

SUBSCRIPTION_ID = re.compile(r"^sub_[A-Za-z0-9]{10}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def advance(base_url, api_key, **body):
    resp = requests.post(
        f"{base_url}/_sandbox/clock",
        json=body,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=60,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def tomorrow(base_url, api_key):
    """The day after the account's clock says it is today."""
    resp = requests.get(
        f"{base_url}/_sandbox/clock",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10,
    )
    now = datetime.datetime.fromisoformat(resp.json()["now"])
    return (now + datetime.timedelta(days=1)).date().isoformat()


def customer_with_mandate(client):
    customer = client.customers.create({"name": "Subscriber"})
    customer.mandates.create(
        {
            "method": "directdebit",
            "consumerName": "Subscriber",
            "consumerAccount": "NL55INGB0000000000",
        }
    )
    return customer


def plan(**extra):
    body = {
        "amount": {"value": "25.00", "currency": "EUR"},
        "interval": "1 month",
        "description": "Monthly plan",
        "times": 6,
        "metadata": {"plan": "monthly"},
    }
    body.update(extra)
    return body


def test_create_get_list_update_and_cancel(client):
    customer = customer_with_mandate(client)
    sub = customer.subscriptions.create(plan())
    assert SUBSCRIPTION_ID.match(sub.id)
    assert sub.is_active()
    assert sub.amount == {"value": "25.00", "currency": "EUR"}
    assert sub.times == 6
    assert sub.times_remaining == 6
    assert sub.interval == "1 month"
    assert DATE.match(sub.start_date)
    assert sub.next_payment_date == sub.start_date
    assert sub.metadata == {"plan": "monthly"}
    assert sub.customer_id == customer.id

    got = customer.subscriptions.get(sub.id)
    assert got.id == sub.id and got.description == "Monthly plan"

    second = customer.subscriptions.create(plan(description="Second plan"))
    listed = customer.subscriptions.list()
    assert [s.id for s in listed] == [second.id, sub.id]
    assert {s.id for s in client.subscriptions.list()} == {sub.id, second.id}

    updated = customer.subscriptions.update(
        sub.id, {"amount": {"value": "30.00", "currency": "EUR"}, "description": "Bigger plan"}
    )
    assert updated.amount["value"] == "30.00"
    assert updated.description == "Bigger plan"

    canceled = customer.subscriptions.delete(second.id)
    assert canceled.is_canceled()
    assert canceled.canceled_at
    assert customer.subscriptions.get(second.id).is_canceled()
    with pytest.raises(UnprocessableEntityError) as err:
        customer.subscriptions.delete(second.id)
    assert "The subscription has been cancelled." in str(err.value)


def test_no_mandate_comes_first(client):
    customer = client.customers.create({"name": "No mandate"})
    with pytest.raises(UnprocessableEntityError) as err:
        customer.subscriptions.create(plan(interval="1 year"))
    assert "No suitable mandates found for customer" in str(err.value)


def test_payments_after_a_year_of_clock(client, base_url, api_key):
    customer = customer_with_mandate(client)
    # From tomorrow: a charge due today would be made at once, before the advance.
    start = tomorrow(base_url, api_key)
    sub = customer.subscriptions.create(plan(times=3, startDate=start))
    assert sub.next_payment_date == start
    summary = advance(base_url, api_key, advance="P1Y")
    assert summary["paymentsCreated"] == 3
    assert summary["events"]["subscriptionCharges"] == 3

    done = customer.subscriptions.get(sub.id)
    assert done.is_completed()
    assert done.times_remaining == 0
    assert done.next_payment_date is None

    payments = list(done.payments.list())
    assert len(payments) == 3
    for p in payments:
        assert p.subscription_id == sub.id
        assert p.sequence_type == "recurring"
        assert p.amount == {"value": "25.00", "currency": "EUR"}
        assert p.description == "Monthly plan"
        assert p.metadata == {"plan": "monthly"}
        assert p.is_paid()
    created = [p.created_at for p in payments]
    assert created == sorted(created, reverse=True)
