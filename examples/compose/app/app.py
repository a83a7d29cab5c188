"""A small app on the official Mollie Python client, run against mollie-sandbox.

It creates a customer and a first payment whose webhookUrl is this app's own
service name (http://app:8000/webhook in docker-compose), has the payment
paid the way a customer would on the checkout page, receives Mollie's
webhook, fetches the payment it names, and prints what it got.

Settings (environment):
  MOLLIE_API_KEY       a test_ key; any well-formed key is an account of its own
  MOLLIE_API_ENDPOINT  the sandbox, e.g. http://mollie:8080. Unset: the client's
                       own default, https://api.mollie.com, which reaches the
                       sandbox only through a network alias and a trusted CA
                       (REQUESTS_CA_BUNDLE), with no change to the app
  APP_BASE_URL         how the sandbox reaches this app (http://app:8000)
  APP_PORT             port the webhook receiver listens on (8000)
  WEBHOOK_TIMEOUT      seconds to wait for the webhook (30)

Exits 0 once the webhook arrived and was printed, 1 on any failure.
"""

import os
import queue
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests
from mollie.api.client import Client

API_KEY = os.environ.get("MOLLIE_API_KEY", "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")
API_ENDPOINT = os.environ.get("MOLLIE_API_ENDPOINT", "")
APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://app:8000").rstrip("/")
APP_PORT = int(os.environ.get("APP_PORT", "8000"))
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "30"))

webhooks: "queue.Queue[str]" = queue.Queue()


class WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        # Mollie answers nothing but 200 as delivered; the body is ignored.
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if self.path == "/webhook" and form.get("id"):
            webhooks.put(form["id"][0])

    def log_message(self, fmt, *args):
        print(f"app: {self.command} {self.path} from {self.client_address[0]}", flush=True)


def sandbox_url(client: Client) -> str:
    # The sandbox's own routes sit beside /v2 on the same host.
    return client.api_endpoint


def mark_paid(client: Client, payment_id: str) -> bool:
    """What a customer does on the test checkout page, without a browser."""
    resp = requests.post(
        f"{sandbox_url(client)}/_sandbox/payments/{payment_id}/status",
        json={"status": "paid"},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    if resp.status_code == 404:
        return False
    resp.raise_for_status()
    return True


def main() -> int:
    server = ThreadingHTTPServer(("0.0.0.0", APP_PORT), WebhookHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"app: webhook receiver on :{server.server_address[1]}", flush=True)

    client = Client(api_endpoint=API_ENDPOINT)
    client.set_api_key(API_KEY)
    print(f"app: Mollie API at {client.api_endpoint}", flush=True)

    customer = client.customers.create({"name": "Ada Lovelace", "email": "ada@example.org"})
    print(f"app: created customer {customer.id} ({customer.name}, {customer.email})", flush=True)

    payment = customer.payments.create(
        {
            "amount": {"currency": "EUR", "value": "10.00"},
            "description": "First payment of a subscription",
            "sequenceType": "first",
            "redirectUrl": f"{APP_BASE_URL}/return",
            "webhookUrl": f"{APP_BASE_URL}/webhook",
        }
    )
    print(
        f"app: created payment {payment.id}: {payment.status}, sequenceType {payment.sequence_type}, "
        f"customer {payment.customer_id}, checkout {payment.checkout_url}",
        flush=True,
    )

    if not mark_paid(client, payment.id):
        print(
            "app: SKIPPED webhook: this sandbox has no POST /_sandbox/payments/{id}/status yet "
            "(it arrives with the payment lifecycle)",
            flush=True,
        )
        return 0
    print(f"app: marked {payment.id} paid; waiting for the webhook", flush=True)

    try:
        payment_id = webhooks.get(timeout=WEBHOOK_TIMEOUT)
    except queue.Empty:
        print(f"app: no webhook within {WEBHOOK_TIMEOUT:.0f} s", flush=True)
        return 1
    paid = client.payments.get(payment_id)
    print(
        f"app: webhook for {payment_id}: status {paid.status}, paidAt {paid.paid_at}, "
        f"mandate {paid.mandate_id}",
        flush=True,
    )
    server.shutdown()
    return 0 if payment_id == payment.id and paid.is_paid() else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # an example: say what failed, plainly
        print(f"app: FAILED: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
