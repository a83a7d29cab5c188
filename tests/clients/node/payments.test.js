// Customer payments and the Payments API through @mollie/api-client.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { MollieApiError, PaymentStatus, SequenceType } = require('@mollie/api-client');
const { baseUrl, newClient, paymentBody, DOCS, DATETIME } = require('./helpers');

const PAYMENT_ID = /^tr_[A-Za-z0-9]{10}$/;

test('create a customer payment', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Payer' });

  const payment = await mollie.customerPayments.create({
    customerId: customer.id,
    ...paymentBody({
      amount: { value: '12.50', currency: 'EUR' },
      webhookUrl: 'http://localhost:3000/webhook',
      metadata: { orderId: '1234' },
      sequenceType: SequenceType.first,
      method: 'ideal',
    }),
  });

  assert.equal(payment.resource, 'payment');
  assert.match(payment.id, PAYMENT_ID);
  assert.equal(payment.mode, 'test');
  assert.deepEqual(payment.amount, { value: '12.50', currency: 'EUR' });
  assert.equal(payment.description, 'Order #1');
  assert.equal(payment.method, 'ideal');
  assert.deepEqual(payment.metadata, { orderId: '1234' });
  assert.equal(payment.status, PaymentStatus.open);
  assert.equal(payment.isCancelable, false);
  assert.equal(payment.customerId, customer.id);
  assert.equal(payment.sequenceType, 'first');
  assert.equal(payment.redirectUrl, 'http://localhost:3000/return');
  assert.equal(payment.webhookUrl, 'http://localhost:3000/webhook');
  assert.match(payment.profileId, /^pfl_[A-Za-z0-9]+$/);
  assert.match(payment.createdAt, DATETIME);
  assert.equal(Date.parse(payment.expiresAt) - Date.parse(payment.createdAt), 15 * 60 * 1000);
  for (const absent of ['paidAt', 'canceledAt', 'expiredAt', 'failedAt', 'mandateId', 'details', 'cancelUrl']) {
    assert.ok(!(absent in payment), absent);
  }

  const checkout = payment.getCheckoutUrl();
  assert.ok(checkout.startsWith(`${baseUrl}/checkout/`), checkout);
  // An iDEAL payment opens the bank list; the link carries its account's
  // page token after the id.
  const url = new URL(checkout);
  assert.ok(url.pathname.endsWith(`/select-issuer/ideal/${payment.id.slice(3)}`), checkout);
  assert.ok(url.searchParams.get('account'), checkout);
  assert.equal(payment.getChangePaymentStateUrl(), null);
  assert.ok(payment.getDashboardUrl().startsWith(`${baseUrl}/`));
  assert.equal(payment._links.self.href, `${baseUrl}/v2/payments/${payment.id}`);
  assert.equal(payment._links.documentation.href, `${DOCS}customers-api/create-customer-payment`);

  // The client follows _links.customer back to the customer.
  const owner = await payment.getCustomer();
  assert.equal(owner.id, customer.id);
  assert.equal(owner.name, 'Payer');
});

test('list customer payments: page, nextPage, iterate, and the customer helper', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Many payments' });
  const other = await mollie.customers.create({ name: 'Someone else' });
  const created = [];
  for (let i = 0; i < 5; i++) {
    created.push((await mollie.customerPayments.create({ customerId: customer.id, ...paymentBody({ description: `Payment ${i}` }) })).id);
  }
  await mollie.customerPayments.create({ customerId: other.id, ...paymentBody({ description: 'Not mine' }) });
  const newestFirst = [...created].reverse();

  let page = await mollie.customerPayments.page({ customerId: customer.id, limit: 2 });
  assert.deepEqual(page.map(p => p.id), newestFirst.slice(0, 2));
  assert.ok(page.every(p => p.customerId === customer.id));
  assert.equal(page.links.self.href, `${baseUrl}/v2/customers/${customer.id}/payments?limit=2`);
  assert.equal(page.links.documentation.href, `${DOCS}customers-api/list-customer-payments`);
  const seen = page.map(p => p.id);
  while (page.nextPage) {
    page = await page.nextPage();
    seen.push(...page.map(p => p.id));
  }
  assert.deepEqual(seen, newestFirst);

  const iterated = [];
  for await (const p of mollie.customerPayments.iterate({ customerId: customer.id })) iterated.push(p.description);
  assert.deepEqual(iterated, ['Payment 4', 'Payment 3', 'Payment 2', 'Payment 1', 'Payment 0']);

  // The customer now links to its payments, and the helper follows that link.
  const fresh = await mollie.customers.get(customer.id);
  assert.equal(fresh._links.payments.href, `${baseUrl}/v2/customers/${customer.id}/payments`);
  const viaHelper = [];
  for await (const p of fresh.getPayments()) viaHelper.push(p.id);
  assert.deepEqual(viaHelper, newestFirst);
});

test('get a payment', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Getter' });
  const created = await mollie.customerPayments.create({
    customerId: customer.id,
    ...paymentBody({ amount: { value: '0.99', currency: 'EUR' }, locale: 'nl_NL' }),
  });

  const payment = await mollie.payments.get(created.id);
  assert.equal(payment.id, created.id);
  assert.deepEqual(payment.amount, { value: '0.99', currency: 'EUR' });
  assert.equal(payment.locale, 'nl_NL');
  assert.equal(payment.status, 'open');
  assert.equal(payment.method, null);
  assert.equal(payment.metadata, null);
  assert.equal(payment.customerId, customer.id);
  assert.equal(payment.sequenceType, 'oneoff');
  assert.equal(payment.createdAt, created.createdAt);
  assert.equal(payment.expiresAt, created.expiresAt);
  assert.equal(payment._links.documentation.href, `${DOCS}payments-api/get-payment`);

  const refreshed = await payment.refresh();
  assert.equal(refreshed.id, created.id);
});

test('a payment keeps its customerId after the customer is deleted', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Leaving' });
  const payment = await mollie.customerPayments.create({ customerId: customer.id, ...paymentBody() });

  await mollie.customers.delete(customer.id);

  assert.equal((await mollie.payments.get(payment.id)).customerId, customer.id);
  await assert.rejects(mollie.customerPayments.page({ customerId: customer.id }), err => err.statusCode === 410);
});

test('an unknown payment is a 404', async () => {
  await assert.rejects(newClient().payments.get('tr_doesnotexist'), err => {
    assert.ok(err instanceof MollieApiError);
    assert.equal(err.statusCode, 404);
    assert.equal(err.title, 'Not Found');
    assert.equal(err.message, 'No payment exists with token tr_doesnotexist.');
    return true;
  });
});
