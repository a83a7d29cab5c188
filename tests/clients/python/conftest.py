"""The official Python client (mollie-api-python) against a running sandbox.

scripts/test-clients starts the sandbox and sets MOLLIE_SANDBOX_URL to its
HTTP base URL, without /v2: the client appends the API version itself.
"""

import os
import secrets
import string

import pytest
from mollie.api.client import Client

ALPHABET = string.ascii_letters + string.digits


def random_key(prefix="test_"):
    """A fresh key is a fresh, empty sandbox account: tests never see each other."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(30))


@pytest.fixture(scope="session")
def base_url():
    url = os.environ.get("MOLLIE_SANDBOX_URL")
    if not url:
        pytest.exit("MOLLIE_SANDBOX_URL is not set; run scripts/test-clients", returncode=2)
    return url.rstrip("/")


@pytest.fixture
def api_key():
    return random_key()


@pytest.fixture
def client(base_url, api_key):
    c = Client(api_endpoint=base_url)
    c.set_api_key(api_key)
    return c


@pytest.fixture
def new_key():
    """random_key, for tests that need keys or tokens of their own."""
    return random_key


@pytest.fixture
def make_client(base_url):
    """A client for another key, e.g. to check isolation or a bad key."""

    def make(key=None):
        c = Client(api_endpoint=base_url)
        c.set_api_key(key or random_key())
        return c

    return make
