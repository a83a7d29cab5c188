"""Methods and Profiles through mollie-api-python: the filters a checkout
sends, iDEAL with its issuers, every method with its status, and the
profile an admin screen checks when an API key is saved."""

import re

import pytest
from mollie.api.error import ResponseError

DEFAULT = [
    "ideal", "creditcard", "paypal", "banktransfer", "bancontact", "eps", "przelewy24", "kbc",
    "belfius", "directdebit", "giftcard", "mybank", "trustly", "satispay", "bancomatpay", "paysafecard",
]


def ids(methods):
    return [m.id for m in methods]


def test_list_methods_with_filters(client, base_url):
    methods = client.methods.list()
    assert ids(methods) == DEFAULT
    assert methods.count == len(DEFAULT)
    ideal = next(m for m in methods if m.id == "ideal")
    assert ideal.description == "iDEAL"
    assert ideal.minimum_amount == {"value": "0.01", "currency": "EUR"}
    assert ideal.maximum_amount == {"value": "50000.00", "currency": "EUR"}
    assert ideal.image_svg == f"{base_url}/external/icons/payment-methods/ideal.svg"
    assert ideal["status"] == "activated"

    usd = client.methods.list(amount={"value": "100.00", "currency": "USD"})
    assert ids(usd) == ["creditcard", "paypal"]
    assert usd["_embedded"]["methods"][0]["minimumAmount"]["currency"] == "USD"
    assert ids(client.methods.list(sequenceType="recurring")) == ["creditcard", "paypal", "directdebit"]
    first = ids(client.methods.list(sequenceType="first", amount={"value": "0.50", "currency": "EUR"}))
    assert first == ["ideal", "creditcard", "paypal", "bancontact", "kbc", "belfius", "mybank"]
    orders = ids(client.methods.list(resource="orders", billingCountry="DE"))
    assert "klarna" in orders and "riverty" in orders and "in3" not in orders
    assert "applepay" not in ids(client.methods.list())
    assert "applepay" in ids(client.methods.list(includeWallets="applepay"))
    dutch = client.methods.list(locale="nl_NL")
    assert next(m for m in dutch if m.id == "banktransfer").description == "Overboeking"
    assert ids(dutch)[0] == "ideal"


def test_get_ideal_with_issuers(client, base_url):
    ideal = client.methods.get("ideal", include="issuers,pricing")
    assert ideal.id == "ideal"
    issuers = {i.id: i for i in ideal.issuers}
    assert issuers["ideal_INGBNL2A"].name == "ING"
    assert issuers["ideal_ABNANL2A"].name == "ABN AMRO"
    assert issuers["ideal_INGBNL2A"]["image"]["svg"] == f"{base_url}/external/icons/ideal-issuers/INGBNL2A.svg"
    assert ideal.pricing[0]["fixed"] == {"value": "0.29", "currency": "EUR"}
    card = client.methods.get("creditcard", currency="USD")
    assert card.maximum_amount == {"value": "2000.00", "currency": "USD"}
    with pytest.raises(ResponseError) as err:
        client.methods.get("sofort")
    assert err.value.status == 403


def test_all_methods_with_status(client):
    every = client.methods.all()
    status = {m.id: m["status"] for m in every}
    # SOFORT and giropay are retired: Mollie's document no longer has them.
    assert len(status) == 35
    assert "sofort" not in status and "giropay" not in status
    assert status["ideal"] == "activated"
    assert status["trustly"] == "pending-review"
    assert status["swish"] is None


def test_profile_me(client):
    profile = client.profiles.get("me")
    assert re.match(r"^pfl_[A-Za-z0-9]{10}$", profile.id)
    assert profile.resource == "profile"
    assert profile.mode == "test"
    assert profile.name == "Sandbox Shop"
    assert profile.website == "https://shop.example.org"
    assert profile.status == "verified"
    payment = client.payments.create(
        {"amount": {"value": "10.00", "currency": "EUR"}, "description": "Order #1",
         "redirectUrl": "https://example.org/return"}
    )
    assert payment.profile_id == profile.id


def test_disabled_method_is_refused(client, base_url, api_key):
    import requests

    r = requests.delete(
        f"{base_url}/v2/profiles/me/methods/ideal", headers={"Authorization": f"Bearer {api_key}"}, timeout=10
    )
    assert r.status_code == 204
    assert "ideal" not in ids(client.methods.list())
    with pytest.raises(ResponseError) as err:
        client.payments.create(
            {"amount": {"value": "10.00", "currency": "EUR"}, "description": "Order #1",
             "redirectUrl": "https://example.org/return", "method": "ideal"}
        )
    assert err.value.status == 422
    assert err.value.field == "method"
    assert str(err.value) == "The payment method is not enabled in your website profile"
