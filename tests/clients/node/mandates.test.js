// Mandates API through @mollie/api-client: create (direct debit, PayPal),
// get, page and iterate, revoke, and the errors the client throws.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { MollieApiError, MandateMethod, MandateStatus } = require('@mollie/api-client');
const { baseUrl, newClient, DOCS, DATETIME } = require('./helpers');

const MANDATE_ID = /^mdt_[A-Za-z0-9]{10}$/;

function directdebit(extra = {}) {
  return {
    method: MandateMethod.directdebit,
    consumerName: 'John Doe',
    consumerAccount: 'NL55INGB0000000000',
    consumerBic: 'INGBNL2A',
    ...extra,
  };
}

test('create a direct debit mandate', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'John Doe' });

  const mandate = await mollie.customerMandates.create({
    customerId: customer.id,
    ...directdebit({ signatureDate: '2024-01-15', mandateReference: 'YOUR-COMPANY-MD1380' }),
  });

  assert.equal(mandate.resource, 'mandate');
  assert.match(mandate.id, MANDATE_ID);
  assert.equal(mandate.mode, 'test');
  // Test-mode direct debit mandates are valid at once.
  assert.equal(mandate.status, MandateStatus.valid);
  assert.equal(mandate.method, 'directdebit');
  assert.deepEqual(mandate.details, {
    consumerName: 'John Doe',
    consumerAccount: 'NL55INGB0000000000',
    consumerBic: 'INGBNL2A',
  });
  assert.equal(mandate.mandateReference, 'YOUR-COMPANY-MD1380');
  assert.equal(mandate.signatureDate, '2024-01-15');
  assert.match(mandate.createdAt, DATETIME);
  assert.ok(Math.abs(Date.parse(mandate.createdAt) - Date.now()) < 60_000);
  assert.equal(mandate._links.self.href, `${baseUrl}/v2/customers/${customer.id}/mandates/${mandate.id}`);
  assert.equal(mandate._links.customer.href, `${baseUrl}/v2/customers/${customer.id}`);
  assert.equal(mandate._links.documentation.href, `${DOCS}mandates-api/create-mandate`);

  // The client follows _links.customer back.
  const owner = await mandate.getCustomer();
  assert.equal(owner.id, customer.id);
  assert.equal(owner.name, 'John Doe');
});

test('a mandate without optional fields has nulls', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({});

  const mandate = await mollie.customerMandates.create({
    customerId: customer.id,
    method: MandateMethod.directdebit,
    consumerName: 'Jane',
    consumerAccount: 'NL55 INGB 0000 0000 00',
  });

  assert.deepEqual(mandate.details, { consumerName: 'Jane', consumerAccount: 'NL55INGB0000000000', consumerBic: null });
  assert.equal(mandate.mandateReference, null);
  assert.equal(mandate.signatureDate, null);
});

test('get a mandate', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Getter' });
  const created = await mollie.customerMandates.create({ customerId: customer.id, ...directdebit({ mandateReference: 'REF-7' }) });

  const mandate = await mollie.customerMandates.get(created.id, { customerId: customer.id });

  assert.equal(mandate.id, created.id);
  assert.equal(mandate.status, 'valid');
  assert.deepEqual(mandate.details, created.details);
  assert.equal(mandate.mandateReference, 'REF-7');
  assert.equal(mandate.createdAt, created.createdAt);
  assert.equal(mandate._links.documentation.href, `${DOCS}mandates-api/get-mandate`);
});

test('list mandates: page, nextPage, iterate, and the customer helper', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Many mandates' });
  const other = await mollie.customers.create({ name: 'Someone else' });
  const created = [];
  for (let i = 0; i < 5; i++) {
    created.push((await mollie.customerMandates.create({ customerId: customer.id, ...directdebit({ consumerName: `Holder ${i}` }) })).id);
  }
  await mollie.customerMandates.create({ customerId: other.id, ...directdebit({ consumerName: 'Not mine' }) });
  const newestFirst = [...created].reverse();

  let page = await mollie.customerMandates.page({ customerId: customer.id, limit: 2 });
  assert.deepEqual(page.map(m => m.id), newestFirst.slice(0, 2));
  assert.equal(page.links.self.href, `${baseUrl}/v2/customers/${customer.id}/mandates?limit=2`);
  assert.equal(page.links.previous, null);
  assert.equal(page.links.documentation.href, `${DOCS}mandates-api/list-mandates`);
  assert.equal(page.previousPage, undefined);
  const seen = page.map(m => m.id);
  while (page.nextPage) {
    page = await page.nextPage();
    seen.push(...page.map(m => m.id));
  }
  assert.deepEqual(seen, newestFirst);
  assert.equal(typeof page.previousPage, 'function');

  const names = [];
  for await (const m of mollie.customerMandates.iterate({ customerId: customer.id })) names.push(m.details.consumerName);
  assert.deepEqual(names, ['Holder 4', 'Holder 3', 'Holder 2', 'Holder 1', 'Holder 0']);

  // The customer now links to its mandates, and the helper follows that link.
  const fresh = await mollie.customers.get(customer.id);
  assert.equal(fresh._links.mandates.href, `${baseUrl}/v2/customers/${customer.id}/mandates`);
  const viaHelper = [];
  for await (const m of fresh.getMandates()) viaHelper.push(m.id);
  assert.deepEqual(viaHelper, newestFirst);
});

test('revoke a mandate, then get is 410 Gone', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'Revoker' });
  const keep = await mollie.customerMandates.create({ customerId: customer.id, ...directdebit({ consumerName: 'Keep' }) });
  const revoke = await mollie.customerMandates.create({ customerId: customer.id, ...directdebit({ consumerName: 'Revoke' }) });

  // 204 No Content: the client resolves to true.
  assert.equal(await mollie.customerMandates.revoke(revoke.id, { customerId: customer.id }), true);

  await assert.rejects(mollie.customerMandates.get(revoke.id, { customerId: customer.id }), err => {
    assert.ok(err instanceof MollieApiError);
    assert.equal(err.statusCode, 410);
    assert.equal(err.title, 'Gone');
    assert.equal(err.message, 'The mandate has been revoked.');
    assert.equal(err.field, undefined);
    assert.ok(err.getDocumentationUrl().startsWith('https://docs.mollie.com/'));
    return true;
  });

  // No longer listed; revoking again is 410 too.
  const left = await mollie.customerMandates.page({ customerId: customer.id });
  assert.deepEqual(left.map(m => m.id), [keep.id]);
  await assert.rejects(mollie.customerMandates.revoke(revoke.id, { customerId: customer.id }), err => err.statusCode === 410);
});

test('create a PayPal mandate', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({ name: 'PayPal user' });

  const mandate = await mollie.customerMandates.create({
    customerId: customer.id,
    method: MandateMethod.paypal,
    consumerName: 'Pay Pal',
    consumerEmail: 'paypal@example.org',
    paypalBillingAgreementId: 'B-12A34567BC890123D',
  });

  assert.equal(mandate.method, 'paypal');
  assert.equal(mandate.status, 'valid');
  assert.deepEqual(mandate.details, { consumerName: 'Pay Pal', consumerAccount: 'paypal@example.org' });
  const fetched = await mollie.customerMandates.get(mandate.id, { customerId: customer.id });
  assert.equal(fetched.details.consumerAccount, 'paypal@example.org');
});

test('mandate validation: 422 with the field', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({});
  const cases = [
    [directdebit({ consumerAccount: 'NL56INGB0000000000' }), 'consumerAccount', 'The IBAN is invalid'],
    [directdebit({ consumerAccount: 'not an iban' }), 'consumerAccount', 'The IBAN is invalid'],
    [directdebit({ consumerBic: 'INGB' }), 'consumerBic', 'The BIC is invalid'],
    [{ method: 'directdebit', consumerName: 'X' }, 'consumerAccount', "The 'consumerAccount' field is missing"],
    [{ method: 'directdebit', consumerAccount: 'NL55INGB0000000000' }, 'consumerName', "The 'consumerName' field is missing"],
    [directdebit({ method: 'ideal' }), 'method', 'The payment method is invalid'],
    [directdebit({ signatureDate: '15-01-2024' }), 'signatureDate', 'The signature date is invalid'],
    [
      { method: 'paypal', consumerName: 'X', consumerEmail: 'x@example.org' },
      'paypalBillingAgreementId',
      "The 'paypalBillingAgreementId' field is missing",
    ],
  ];
  for (const [body, field, detail] of cases) {
    await assert.rejects(mollie.customerMandates.create({ customerId: customer.id, ...body }), err => {
      assert.ok(err instanceof MollieApiError);
      assert.deepEqual([err.statusCode, err.title, err.field, err.message], [422, 'Unprocessable Entity', field, detail], JSON.stringify(body));
      return true;
    });
  }
  assert.equal((await mollie.customerMandates.page({ customerId: customer.id })).length, 0);
});

test('unknown mandates are 404; another customer\'s too', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({});
  const other = await mollie.customers.create({});
  const theirs = await mollie.customerMandates.create({ customerId: other.id, ...directdebit() });

  await assert.rejects(mollie.customerMandates.get('mdt_doesnotexist', { customerId: customer.id }), err => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.message, 'No mandate exists with token mdt_doesnotexist.');
    return true;
  });
  await assert.rejects(mollie.customerMandates.get(theirs.id, { customerId: customer.id }), err => err.statusCode === 404);

  // Deleting the customer: its mandates' list is gone.
  await mollie.customers.delete(other.id);
  await assert.rejects(mollie.customerMandates.page({ customerId: other.id }), err => err.statusCode === 410);
});
