// An organization access token (`access_…`) with `parameterDefaults:
// { testmode: true }`: the client sends testmode in the query on GET and in
// the JSON body otherwise, and follows links that must keep test mode.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { baseUrl, newClient, paymentBody, randomKey } = require('./helpers');

test('an access token in test mode: create, get, page, follow links, delete', async () => {
  const accessToken = randomKey('access_');
  const mollie = newClient({ accessToken, parameterDefaults: { testmode: true } });
  const live = newClient({ accessToken });

  const customer = await mollie.customers.create({ name: 'Token test' });
  assert.equal(customer.mode, 'test');
  // Links of a test-mode token carry testmode, as the real API writes them.
  assert.equal(customer._links.self.href, `${baseUrl}/v2/customers/${customer.id}?testmode=true`);

  const fetched = await mollie.customers.get(customer.id);
  assert.equal(fetched.mode, 'test');
  const refreshed = await fetched.refresh();
  assert.equal(refreshed.id, customer.id);

  // The token's live mode is a separate world.
  await assert.rejects(live.customers.get(customer.id), err => err.statusCode === 404);
  assert.equal((await live.customers.page()).length, 0);

  const second = await mollie.customers.create({ name: 'Token test 2' });
  const page = await mollie.customers.page({ limit: 1 });
  assert.deepEqual(page.map(c => c.id), [second.id]);
  assert.equal(page.links.next.href, `${baseUrl}/v2/customers?from=${customer.id}&limit=1&testmode=true`);
  const next = await page.nextPage();
  assert.deepEqual(next.map(c => c.id), [customer.id]);

  // Organization tokens must say which profile the payment is for.
  await assert.rejects(
    mollie.customerPayments.create({ customerId: customer.id, ...paymentBody() }),
    err => err.statusCode === 422 && err.field === 'profileId',
  );
  const payment = await mollie.customerPayments.create({
    customerId: customer.id,
    profileId: 'pfl_QkEhN94Ba',
    ...paymentBody(),
  });
  assert.equal(payment.mode, 'test');
  assert.equal(payment.profileId, 'pfl_QkEhN94Ba');
  assert.equal((await payment.getCustomer()).id, customer.id);
  assert.equal((await payment.refresh()).id, payment.id);

  // DELETE carries {"testmode":true} as its JSON body.
  assert.equal(await mollie.customers.delete(second.id), true);
  assert.deepEqual((await mollie.customers.page()).map(c => c.id), [customer.id]);
});

test('an API key may not send testmode', async () => {
  // The client itself only allows parameterDefaults with access tokens, so
  // send it per call: the sandbox refuses it as the real API does.
  const mollie = newClient();
  await assert.rejects(mollie.customers.create({ name: 'x', testmode: true }), err => {
    assert.equal(err.statusCode, 422);
    assert.equal(err.field, 'testmode');
    assert.equal(err.message, 'Non-existent body parameter "testmode" for this API call.');
    return true;
  });
});
