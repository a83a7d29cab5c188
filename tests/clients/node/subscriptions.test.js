// Subscriptions as an app using @mollie/api-client sees them: create, list,
// update and cancel, then the payments a year of the sandbox's clock made.
// The clock moves through the sandbox's own API (POST /_sandbox/clock) with
// the same Bearer key as the client.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { MollieApiError } = require('@mollie/api-client');
const { baseUrl, newClient, randomKey } = require('./helpers');

const SUBSCRIPTION_ID = /^sub_[A-Za-z0-9]{10}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function account() {
  const apiKey = randomKey();
  return { apiKey, mollie: newClient({ apiKey }) };
}

async function advance(apiKey, body) {
  const resp = await fetch(`${baseUrl}/_sandbox/clock`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await resp.json();
  assert.equal(resp.status, 200, JSON.stringify(json));
  return json;
}

// The day after the account's clock says it is today.
async function tomorrow(apiKey) {
  const resp = await fetch(`${baseUrl}/_sandbox/clock`, { headers: { Authorization: `Bearer ${apiKey}` } });
  const { now } = await resp.json();
  return new Date(Date.parse(now) + 86_400_000).toISOString().slice(0, 10);
}

async function customerWithMandate(mollie) {
  const customer = await mollie.customers.create({ name: 'Subscriber' });
  await mollie.customerMandates.create({
    customerId: customer.id,
    method: 'directdebit',
    consumerName: 'Subscriber',
    consumerAccount: 'NL55INGB0000000000',
  });
  return customer;
}

function plan(customerId, extra = {}) {
  return {
    customerId,
    amount: { value: '25.00', currency: 'EUR' },
    interval: '1 month',
    description: 'Monthly plan',
    times: 6,
    metadata: { plan: 'monthly' },
    ...extra,
  };
}

test('create, get, list, update and cancel a subscription', async () => {
  const { mollie } = account();
  const customer = await customerWithMandate(mollie);
  const sub = await mollie.customerSubscriptions.create(plan(customer.id));
  assert.match(sub.id, SUBSCRIPTION_ID);
  assert.equal(sub.status, 'active');
  assert.deepEqual(sub.amount, { value: '25.00', currency: 'EUR' });
  assert.equal(sub.times, 6);
  assert.equal(sub.timesRemaining, 6);
  assert.match(sub.startDate, DATE);
  assert.equal(sub.nextPaymentDate, sub.startDate);
  assert.deepEqual(sub.metadata, { plan: 'monthly' });
  assert.equal(sub.customerId, customer.id);

  const got = await mollie.customerSubscriptions.get(sub.id, { customerId: customer.id });
  assert.equal(got.description, 'Monthly plan');

  const second = await mollie.customerSubscriptions.create(plan(customer.id, { description: 'Second plan' }));
  const page = await mollie.customerSubscriptions.page({ customerId: customer.id });
  assert.deepEqual(page.map((s) => s.id), [second.id, sub.id]);
  const all = await mollie.subscription.page();
  assert.deepEqual(new Set(all.map((s) => s.id)), new Set([sub.id, second.id]));

  const updated = await mollie.customerSubscriptions.update(sub.id, {
    customerId: customer.id,
    amount: { value: '30.00', currency: 'EUR' },
    description: 'Bigger plan',
  });
  assert.equal(updated.amount.value, '30.00');
  assert.equal(updated.description, 'Bigger plan');

  const canceled = await mollie.customerSubscriptions.cancel(second.id, { customerId: customer.id });
  assert.equal(canceled.status, 'canceled');
  assert.ok(canceled.canceledAt);
  await assert.rejects(
    mollie.customerSubscriptions.cancel(second.id, { customerId: customer.id }),
    (err) => err instanceof MollieApiError && err.statusCode === 422 && /has been cancelled/.test(err.message),
  );
});

test('no mandate comes before every other check', async () => {
  const { mollie } = account();
  const customer = await mollie.customers.create({ name: 'No mandate' });
  await assert.rejects(
    mollie.customerSubscriptions.create(plan(customer.id, { interval: '1 year' })),
    (err) => err instanceof MollieApiError && err.statusCode === 422 && /No suitable mandates/.test(err.message),
  );
});

test('a year of clock makes the subscription payments', async () => {
  const { apiKey, mollie } = account();
  const customer = await customerWithMandate(mollie);
  // From tomorrow: a charge due today would be made at once, before the advance.
  const startDate = await tomorrow(apiKey);
  const sub = await mollie.customerSubscriptions.create(plan(customer.id, { times: 3, startDate }));
  assert.equal(sub.nextPaymentDate, startDate);
  const summary = await advance(apiKey, { advance: 'P1Y' });
  assert.equal(summary.paymentsCreated, 3);
  assert.equal(summary.events.subscriptionCharges, 3);

  const done = await mollie.customerSubscriptions.get(sub.id, { customerId: customer.id });
  assert.equal(done.status, 'completed');
  assert.equal(done.timesRemaining, 0);
  assert.equal(done.nextPaymentDate, undefined);

  const payments = await mollie.subscriptionPayments.page({ customerId: customer.id, subscriptionId: sub.id });
  assert.equal(payments.length, 3);
  for (const p of payments) {
    assert.equal(p.subscriptionId, sub.id);
    assert.equal(p.sequenceType, 'recurring');
    assert.deepEqual(p.amount, { value: '25.00', currency: 'EUR' });
    assert.equal(p.description, 'Monthly plan');
    assert.deepEqual(p.metadata, { plan: 'monthly' });
    assert.equal(p.status, 'paid');
  }
  const created = payments.map((p) => p.createdAt);
  assert.deepEqual(created, [...created].sort().reverse());
});
