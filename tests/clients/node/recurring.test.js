// The first-payment -> mandate -> recurring-payment flow, payment updates,
// cancels and webhooks, as an app using @mollie/api-client sees them. The
// customer's choice on the test checkout page is made through the sandbox's
// own API (setStatus in helpers.js) with the same Bearer key as the client.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { once } = require('node:events');
const { MollieApiError, PaymentMethod, PaymentStatus, SequenceType } = require('@mollie/api-client');
const { baseUrl, newClient, randomKey, setStatus, DOCS, DATETIME } = require('./helpers');

const MANDATE_ID = /^mdt_[A-Za-z0-9]{10}$/;
const TEST_CONSUMER = { consumerName: 'T. TEST', consumerAccount: 'NL12RABO0995764688', consumerBic: 'TRIONL2U' };

function account() {
  const apiKey = randomKey();
  return { apiKey, mollie: newClient({ apiKey }) };
}

function firstPayment(mollie, customerId, extra = {}) {
  return mollie.customerPayments.create({
    customerId,
    amount: { value: '10.00', currency: 'EUR' },
    description: 'First payment',
    sequenceType: SequenceType.first,
    method: PaymentMethod.ideal,
    redirectUrl: 'http://localhost:3000/return',
    webhookUrl: 'http://localhost:3000/webhook',
    ...extra,
  });
}

function recurringBody(customerId, extra = {}) {
  return {
    amount: { value: '25.00', currency: 'EUR' },
    description: 'Monthly',
    sequenceType: SequenceType.recurring,
    customerId,
    ...extra,
  };
}

async function customerWithMandate(mollie, apiKey) {
  const customer = await mollie.customers.create({ name: 'Subscriber' });
  const first = await firstPayment(mollie, customer.id);
  await setStatus(apiKey, first.id, 'paid');
  const paid = await mollie.payments.get(first.id);
  return { customer, first, mandateId: paid.mandateId };
}

test('a paid first payment creates a valid directdebit mandate', async () => {
  const { apiKey, mollie } = account();
  const customer = await mollie.customers.create({ name: 'First payer' });
  const payment = await firstPayment(mollie, customer.id);
  assert.equal(payment.status, PaymentStatus.open);
  assert.notEqual(payment.getCheckoutUrl(), null);
  assert.equal((await mollie.customerMandates.page({ customerId: customer.id })).length, 0);

  await setStatus(apiKey, payment.id, 'paid');

  const paid = await mollie.payments.get(payment.id);
  assert.equal(paid.status, PaymentStatus.paid);
  assert.match(paid.paidAt, DATETIME);
  assert.ok(!('isCancelable' in paid));
  assert.ok(!('expiresAt' in paid));
  assert.equal(paid.getCheckoutUrl(), null);
  assert.deepEqual(paid.amountRefunded, { value: '0.00', currency: 'EUR' });
  assert.deepEqual(paid.amountRemaining, { value: '10.00', currency: 'EUR' });
  assert.deepEqual(paid.settlementAmount, { value: '10.00', currency: 'EUR' });
  assert.ok(paid.canBeRefunded());
  assert.deepEqual(paid.details, TEST_CONSUMER);
  assert.match(paid.mandateId, MANDATE_ID);
  assert.equal(paid._links.mandate.href, `${baseUrl}/v2/customers/${customer.id}/mandates/${paid.mandateId}`);
  // Paid test payments get changePaymentState (for refund and chargeback tests).
  assert.notEqual(paid.getChangePaymentStateUrl(), null);

  // The client follows _links.mandate.
  const mandate = await paid.getMandate();
  assert.equal(mandate.id, paid.mandateId);
  assert.equal(mandate.status, 'valid');
  assert.equal(mandate.method, 'directdebit');
  assert.deepEqual(mandate.details, TEST_CONSUMER);

  const mandates = await mollie.customerMandates.page({ customerId: customer.id });
  assert.deepEqual(mandates.map(m => [m.id, m.method, m.status]), [[paid.mandateId, 'directdebit', 'valid']]);
});

for (const status of ['failed', 'canceled', 'expired']) {
  test(`a first payment that ends ${status} creates no mandate`, async () => {
    const { apiKey, mollie } = account();
    const customer = await mollie.customers.create({});
    const payment = await firstPayment(mollie, customer.id);

    await setStatus(apiKey, payment.id, status);

    const after = await mollie.payments.get(payment.id);
    assert.equal(after.status, status);
    assert.ok(!('mandateId' in after));
    assert.equal((await mollie.customerMandates.page({ customerId: customer.id })).length, 0);
  });
}

test('a recurring payment uses the mandate: pending directdebit, no checkout', async () => {
  const { apiKey, mollie } = account();
  const { customer, first, mandateId } = await customerWithMandate(mollie, apiKey);

  const recurring = await mollie.payments.create(recurringBody(customer.id));

  assert.equal(recurring.sequenceType, 'recurring');
  assert.equal(recurring.customerId, customer.id);
  assert.equal(recurring.mandateId, mandateId);
  assert.equal(recurring.method, 'directdebit');
  assert.equal(recurring.status, PaymentStatus.pending);
  assert.equal(recurring.isCancelable, true);
  assert.equal(recurring.redirectUrl, null);
  // Executed without the customer: no checkout, but a test-mode page to decide the outcome.
  assert.equal(recurring.getCheckoutUrl(), null);
  assert.notEqual(recurring.getChangePaymentStateUrl(), null);
  assert.equal(recurring.details.consumerName, 'T. TEST');
  assert.equal(recurring.details.consumerAccount, 'NL12RABO0995764688');
  assert.equal(recurring._links.documentation.href, `${DOCS}payments-api/create-payment`);
  assert.equal((await recurring.getMandate()).id, mandateId);

  // It stays pending until the test changes it, here through the
  // changePaymentState page the client surfaces (a plain HTML form).
  assert.equal((await mollie.payments.get(recurring.id)).status, 'pending');
  const page = await fetch(recurring.getChangePaymentStateUrl());
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const html = await page.text();
  assert.ok(html.includes('Monthly') && html.includes('25.00'));
  const chosen = await fetch(recurring.getChangePaymentStateUrl(), { method: 'POST', body: new URLSearchParams({ status: 'paid' }) });
  assert.equal(chosen.status, 200);
  assert.equal((await mollie.payments.get(recurring.id)).status, 'paid');

  // Through the customer endpoint too; the customer lists all three.
  const again = await mollie.customerPayments.create({ ...recurringBody(customer.id), description: 'Month 2' });
  assert.deepEqual([again.mandateId, again.status], [mandateId, 'pending']);
  const all = await mollie.customerPayments.page({ customerId: customer.id });
  assert.deepEqual(all.map(p => p.id), [again.id, recurring.id, first.id]);
});

test('a recurring payment picks the newest valid mandate, or the one named', async () => {
  const { mollie } = account();
  const customer = await mollie.customers.create({});
  const mandate = consumerName =>
    mollie.customerMandates.create({ customerId: customer.id, method: 'directdebit', consumerName, consumerAccount: 'NL55INGB0000000000' });
  const older = await mandate('Old');
  const newer = await mandate('New');

  assert.equal((await mollie.payments.create(recurringBody(customer.id))).mandateId, newer.id);
  const explicit = await mollie.payments.create(recurringBody(customer.id, { mandateId: older.id }));
  assert.equal(explicit.mandateId, older.id);
  assert.equal(explicit.details.consumerName, 'Old');

  await mollie.customerMandates.revoke(newer.id, { customerId: customer.id });
  assert.equal((await mollie.payments.create(recurringBody(customer.id))).mandateId, older.id);
});

test('a recurring payment retried with the same idempotency key charges once', async () => {
  const { apiKey, mollie } = account();
  const { customer, first } = await customerWithMandate(mollie, apiKey);

  // Mollie asks for an Idempotency-Key on recurring creates: a retry after a
  // lost answer must not charge twice.
  const one = await mollie.payments.create({ ...recurringBody(customer.id), idempotencyKey: 'charge-2024-01' });
  const two = await mollie.payments.create({ ...recurringBody(customer.id), idempotencyKey: 'charge-2024-01' });
  const three = await mollie.payments.create({ ...recurringBody(customer.id), idempotencyKey: 'charge-2024-02' });

  assert.equal(two.id, one.id);
  assert.equal(two.createdAt, one.createdAt);
  assert.notEqual(three.id, one.id);
  assert.deepEqual((await mollie.payments.page()).map(p => p.id), [three.id, one.id, first.id]);
});

test('a recurring payment for a customer without a mandate is a 422', async () => {
  const { mollie } = account();
  const customer = await mollie.customers.create({ name: 'No mandate' });
  const refused = err => {
    assert.ok(err instanceof MollieApiError);
    assert.equal(err.statusCode, 422);
    assert.equal(err.title, 'Unprocessable Entity');
    assert.equal(err.message, 'No suitable mandates found for customer');
    return true;
  };

  await assert.rejects(mollie.payments.create(recurringBody(customer.id)), refused);

  // A revoked mandate does not count.
  const m = await mollie.customerMandates.create({
    customerId: customer.id, method: 'directdebit', consumerName: 'Gone', consumerAccount: 'NL55INGB0000000000',
  });
  await mollie.customerMandates.revoke(m.id, { customerId: customer.id });
  await assert.rejects(mollie.payments.create(recurringBody(customer.id)), refused);
  assert.equal((await mollie.payments.page()).length, 0);
});

test('update a payment: description and metadata', async () => {
  const { mollie } = account();
  const customer = await mollie.customers.create({});
  const payment = await firstPayment(mollie, customer.id, { metadata: { orderId: '1' } });

  const updated = await mollie.payments.update(payment.id, {
    description: 'Order #2',
    metadata: { orderId: '2', items: [1, 2] },
  });

  assert.equal(updated.id, payment.id);
  assert.equal(updated.description, 'Order #2');
  assert.deepEqual(updated.metadata, { orderId: '2', items: [1, 2] });
  assert.equal(updated.status, 'open');
  assert.deepEqual(updated.amount, payment.amount);
  assert.equal(updated._links.documentation.href, `${DOCS}payments-api/update-payment`);
  const fetched = await mollie.payments.get(payment.id);
  assert.deepEqual([fetched.description, fetched.metadata], ['Order #2', { orderId: '2', items: [1, 2] }]);
});

test('cancel a bank transfer payment', async () => {
  const { mollie } = account();
  const payment = await mollie.payments.create({
    amount: { value: '75.00', currency: 'EUR' },
    description: 'Invoice 42',
    method: PaymentMethod.banktransfer,
    redirectUrl: 'http://localhost:3000/return',
  });
  assert.equal(payment.status, 'open');
  assert.equal(payment.isCancelable, true);

  const canceled = await mollie.payments.cancel(payment.id);

  assert.equal(canceled.id, payment.id);
  assert.equal(canceled.status, PaymentStatus.canceled);
  assert.match(canceled.canceledAt, DATETIME);
  assert.ok(!('isCancelable' in canceled));
  assert.ok(!('expiresAt' in canceled));
  assert.equal(canceled.getCheckoutUrl(), null);
  assert.equal((await mollie.payments.get(payment.id)).status, 'canceled');
});

test('cancel an open iDEAL payment is a 422', async () => {
  const { mollie } = account();
  const customer = await mollie.customers.create({});
  const payment = await firstPayment(mollie, customer.id);
  assert.equal(payment.isCancelable, false);

  await assert.rejects(mollie.payments.cancel(payment.id), err => {
    assert.ok(err instanceof MollieApiError);
    assert.equal(err.statusCode, 422);
    assert.equal(err.message, 'The payment cannot be cancelled');
    return true;
  });
  assert.equal((await mollie.payments.get(payment.id)).status, 'open');
});

// An app's webhook endpoint: on `id=tr_...` it fetches the payment through
// the client, as Mollie tells integrators to, and reports what it saw.
async function webhookReceiver(mollie) {
  const seen = [];
  const waiters = [];
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let item;
    try {
      const id = new URLSearchParams(raw).get('id');
      const payment = await mollie.payments.get(id);
      item = { path: req.url, contentType: req.headers['content-type'], raw, status: payment.status, mandateId: payment.mandateId };
    } catch (err) {
      item = err;
    }
    res.writeHead(200, { 'Content-Length': '0' }).end();
    const waiter = waiters.shift();
    if (waiter) waiter(item);
    else seen.push(item);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/mollie/webhook`,
    next(timeoutMs = 10_000) {
      const take = item => (item instanceof Error ? Promise.reject(item) : item);
      if (seen.length) return Promise.resolve(take(seen.shift()));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no webhook call within the timeout')), timeoutMs);
        waiters.push(item => {
          clearTimeout(timer);
          resolve(take(item));
        });
      });
    },
    pending: () => seen.length,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

test('the webhook tells the app the first payment is paid', async () => {
  const { apiKey, mollie } = account();
  const receiver = await webhookReceiver(mollie);
  try {
    const customer = await mollie.customers.create({});
    const payment = await firstPayment(mollie, customer.id, { webhookUrl: receiver.url });
    assert.equal(payment.webhookUrl, receiver.url);

    await setStatus(apiKey, payment.id, 'paid');

    const call = await receiver.next();
    assert.equal(call.path, '/mollie/webhook');
    assert.equal(call.contentType, 'application/x-www-form-urlencoded');
    assert.equal(call.raw, `id=${payment.id}`);
    assert.equal(call.status, 'paid');
    assert.match(call.mandateId, MANDATE_ID);
    // One status change, one delivery.
    await new Promise(resolve => setTimeout(resolve, 500));
    assert.equal(receiver.pending(), 0);
  } finally {
    await receiver.close();
  }
});

test('the webhook is called when a payment is canceled through the client', async () => {
  const { mollie } = account();
  const receiver = await webhookReceiver(mollie);
  try {
    const payment = await mollie.payments.create({
      amount: { value: '5.00', currency: 'EUR' },
      description: 'Cancel me',
      method: PaymentMethod.banktransfer,
      redirectUrl: 'http://localhost:3000/return',
      webhookUrl: receiver.url,
    });
    await mollie.payments.cancel(payment.id);

    const call = await receiver.next();
    assert.deepEqual([call.raw, call.status], [`id=${payment.id}`, 'canceled']);
  } finally {
    await receiver.close();
  }
});
