// Refunds, chargebacks and captures through @mollie/api-client. Payments
// are made paid (or authorized) and charged back through the sandbox's own
// API with the same key; everything else goes through the client.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { MollieApiError } = require('@mollie/api-client');
const { baseUrl, newClient, randomKey, paymentBody, setStatus, DOCS } = require('./helpers');

async function sandboxPost(apiKey, path, body) {
  const resp = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await resp.json();
  assert.ok(resp.status === 200 || resp.status === 201, `${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

async function paidPayment(mollie, apiKey, extra = {}) {
  const payment = await mollie.payments.create(paymentBody({ method: 'creditcard', ...extra }));
  await setStatus(apiKey, payment.id, 'paid');
  return mollie.payments.get(payment.id);
}

test('a partial refund: create, list, get, cancel', async () => {
  const apiKey = randomKey();
  const mollie = newClient({ apiKey });
  let payment = await paidPayment(mollie, apiKey);
  assert.equal(payment.isRefundable(), true);
  assert.equal(payment.hasRefunds(), false);

  const refund = await mollie.paymentRefunds.create({
    paymentId: payment.id,
    amount: { value: '4.00', currency: 'EUR' },
    description: 'Broken cup',
  });
  assert.match(refund.id, /^re_[A-Za-z0-9]{10}$/);
  assert.equal(refund.resource, 'refund');
  assert.deepEqual(refund.amount, { value: '4.00', currency: 'EUR' });
  assert.equal(refund.status, 'queued');
  assert.equal(refund.paymentId, payment.id);
  assert.equal(refund._links.documentation.href, `${DOCS}refunds-api/create-payment-refund`);

  payment = await mollie.payments.get(payment.id);
  assert.equal(payment.hasRefunds(), true);
  assert.deepEqual(payment.amountRefunded, { value: '4.00', currency: 'EUR' });
  assert.deepEqual(payment.amountRemaining, { value: '6.00', currency: 'EUR' });

  const page = await mollie.paymentRefunds.page({ paymentId: payment.id });
  assert.deepEqual(page.map((r) => r.id), [refund.id]);
  const all = await mollie.refunds.page();
  assert.deepEqual(all.map((r) => r.id), [refund.id]);
  const got = await mollie.paymentRefunds.get(refund.id, { paymentId: payment.id });
  assert.equal(got.id, refund.id);

  await mollie.paymentRefunds.cancel(refund.id, { paymentId: payment.id });
  const canceled = await mollie.paymentRefunds.get(refund.id, { paymentId: payment.id });
  assert.equal(canceled.status, 'canceled');
  payment = await mollie.payments.get(payment.id);
  assert.deepEqual(payment.amountRemaining, { value: '10.00', currency: 'EUR' });
});

test('a refund above what remains is a 422 on amount', async () => {
  const apiKey = randomKey();
  const mollie = newClient({ apiKey });
  const payment = await paidPayment(mollie, apiKey);
  await assert.rejects(
    mollie.paymentRefunds.create({ paymentId: payment.id, amount: { value: '10.01', currency: 'EUR' } }),
    (e) => {
      assert.ok(e instanceof MollieApiError);
      assert.equal(e.statusCode, 422);
      assert.equal(e.field, 'amount');
      assert.equal(e.message, 'The amount is higher than the remaining amount that can be refunded');
      return true;
    },
  );
});

test('chargebacks of a payment charged back through the sandbox route', async () => {
  const apiKey = randomKey();
  const mollie = newClient({ apiKey });
  let payment = await paidPayment(mollie, apiKey, { amount: { value: '66.66', currency: 'EUR' } });
  assert.equal(payment.hasChargebacks(), false);
  const made = await sandboxPost(apiKey, `/_sandbox/payments/${payment.id}/chargebacks`, {
    amount: { value: '16.66', currency: 'EUR' },
    reason: { code: 'AC01', description: 'Wrong IBAN' },
  });
  payment = await mollie.payments.get(payment.id);
  assert.equal(payment.hasChargebacks(), true);
  assert.deepEqual(payment.amountChargedBack, { value: '16.66', currency: 'EUR' });
  const page = await mollie.paymentChargebacks.page({ paymentId: payment.id });
  assert.equal(page.length, 1);
  const [chargeback] = page;
  assert.equal(chargeback.id, made.id);
  assert.deepEqual(chargeback.amount, { value: '16.66', currency: 'EUR' });
  assert.deepEqual(chargeback.reason, { code: 'AC01', description: 'Wrong IBAN' });
  assert.equal(chargeback.reversedAt, null);
  assert.equal(chargeback.paymentId, payment.id);
  const got = await mollie.paymentChargebacks.get(made.id, { paymentId: payment.id });
  assert.equal(got.id, made.id);
  const all = await mollie.chargebacks.page();
  assert.deepEqual(all.map((c) => c.id), [made.id]);
});

test('capture an authorized payment', async () => {
  const apiKey = randomKey();
  const mollie = newClient({ apiKey });
  const created = await mollie.payments.create(
    paymentBody({ amount: { value: '100.00', currency: 'EUR' }, method: 'creditcard', captureMode: 'manual' }),
  );
  assert.equal(created.captureMode, 'manual');
  await setStatus(apiKey, created.id, 'authorized');
  let payment = await mollie.payments.get(created.id);
  assert.equal(payment.status, 'authorized');
  assert.ok(payment.captureBefore);
  assert.deepEqual(payment.amountCaptured, { value: '0.00', currency: 'EUR' });

  let capture = await mollie.paymentCaptures.create({
    paymentId: payment.id,
    amount: { value: '60.00', currency: 'EUR' },
  });
  assert.match(capture.id, /^cpt_/);
  assert.equal(capture.status, 'pending');
  // Vendure polls like this until the capture settles.
  for (let i = 0; i < 50 && capture.status === 'pending'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    capture = await mollie.paymentCaptures.get(capture.id, { paymentId: payment.id });
  }
  assert.equal(capture.status, 'succeeded');
  payment = await mollie.payments.get(payment.id);
  assert.equal(payment.status, 'paid');
  assert.deepEqual(payment.amountCaptured, { value: '60.00', currency: 'EUR' });
  const page = await mollie.paymentCaptures.page({ paymentId: payment.id });
  assert.deepEqual(page.map((c) => c.id), [capture.id]);
});

test('release an authorization', async () => {
  const apiKey = randomKey();
  const mollie = newClient({ apiKey });
  const created = await mollie.payments.create(paymentBody({ method: 'creditcard', captureMode: 'manual' }));
  await setStatus(apiKey, created.id, 'authorized');
  await mollie.payments.releaseAuthorization(created.id);
  const payment = await mollie.payments.get(created.id);
  assert.equal(payment.status, 'canceled');
});
