// Customers API through @mollie/api-client over the sandbox's HTTPS:
// create, get, update, list with paging, delete.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { MollieApiError } = require('@mollie/api-client');
const { baseUrl, newClient, DOCS, DATETIME } = require('./helpers');

const CUSTOMER_ID = /^cst_[A-Za-z0-9]{10}$/;

test('create a customer: every field as sent, links absolute', async () => {
  const mollie = newClient();
  const metadata = { orderId: 12, tags: ['vip', 'nl'], nested: { b: null, a: 1.5 } };

  const customer = await mollie.customers.create({
    name: 'Jan Jansen',
    email: 'jan@example.org',
    locale: 'nl_NL',
    metadata,
  });

  assert.deepEqual(Object.keys(customer), ['resource', 'id', 'mode', 'name', 'email', 'locale', 'metadata', 'createdAt', '_links']);
  assert.equal(customer.resource, 'customer');
  assert.match(customer.id, CUSTOMER_ID);
  assert.equal(customer.mode, 'test');
  assert.equal(customer.name, 'Jan Jansen');
  assert.equal(customer.email, 'jan@example.org');
  assert.equal(customer.locale, 'nl_NL');
  assert.deepEqual(customer.metadata, metadata);
  assert.deepEqual(Object.keys(customer.metadata.nested), ['b', 'a']);
  assert.match(customer.createdAt, DATETIME);
  assert.ok(Math.abs(Date.parse(customer.createdAt) - Date.now()) < 60_000);
  assert.deepEqual(Object.keys(customer._links), ['self', 'dashboard', 'documentation']);
  assert.deepEqual(customer._links.self, { href: `${baseUrl}/v2/customers/${customer.id}`, type: 'application/hal+json' });
  assert.deepEqual(customer._links.documentation, { href: `${DOCS}customers-api/create-customer`, type: 'text/html' });
  assert.equal(customer._links.dashboard.type, 'text/html');
});

test('create a customer with no fields: nulls, not missing keys', async () => {
  const customer = await newClient().customers.create({});
  assert.match(customer.id, CUSTOMER_ID);
  for (const key of ['name', 'email', 'locale', 'metadata']) {
    assert.ok(key in customer, key);
    assert.equal(customer[key], null, key);
  }
});

test('get a customer, and refresh it through its self link', async () => {
  const mollie = newClient();
  const created = await mollie.customers.create({ name: 'Piet', metadata: 'just a string' });

  const fetched = await mollie.customers.get(created.id);
  assert.equal(fetched.id, created.id);
  assert.equal(fetched.name, 'Piet');
  assert.equal(fetched.metadata, 'just a string');
  assert.equal(fetched.createdAt, created.createdAt);
  assert.equal(fetched._links.documentation.href, `${DOCS}customers-api/get-customer`);

  const refreshed = await fetched.refresh();
  assert.equal(refreshed.id, created.id);
  assert.equal(refreshed.name, 'Piet');
});

test('update a customer: only the fields sent change', async () => {
  const mollie = newClient();
  const created = await mollie.customers.create({ name: 'Old Name', email: 'old@example.org', metadata: { v: 1 } });

  const updated = await mollie.customers.update(created.id, { name: 'New Name', locale: 'de_DE', metadata: null });
  assert.equal(updated.id, created.id);
  assert.equal(updated.name, 'New Name');
  assert.equal(updated.email, 'old@example.org');
  assert.equal(updated.locale, 'de_DE');
  assert.equal(updated.metadata, null);
  assert.equal(updated._links.documentation.href, `${DOCS}customers-api/update-customer`);

  const again = await mollie.customers.get(created.id);
  assert.deepEqual([again.name, again.email, again.locale, again.metadata], ['New Name', 'old@example.org', 'de_DE', null]);
});

test('page through customers with nextPage and previousPage', async () => {
  const mollie = newClient();
  const created = [];
  for (let i = 0; i < 7; i++) created.push((await mollie.customers.create({ name: `Customer ${i}` })).id);
  const newestFirst = [...created].reverse();

  let page = await mollie.customers.page({ limit: 3 });
  assert.deepEqual(page.map(c => c.id), newestFirst.slice(0, 3));
  assert.equal(page.links.self.href, `${baseUrl}/v2/customers?limit=3`);
  assert.equal(page.links.previous, null);
  assert.equal(page.links.next.href, `${baseUrl}/v2/customers?from=${newestFirst[3]}&limit=3`);
  assert.equal(page.links.documentation.href, `${DOCS}customers-api/list-customers`);
  assert.equal(page.nextPageCursor, newestFirst[3]);
  assert.equal(page.previousPage, undefined);
  assert.ok(!('documentation' in page[0]._links));

  const seen = page.map(c => c.id);
  let pages = 1;
  while (page.nextPage) {
    page = await page.nextPage();
    pages += 1;
    seen.push(...page.map(c => c.id));
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, newestFirst);
  assert.equal(page.length, 1);
  assert.equal(page.links.next, null);

  const back = await page.previousPage();
  assert.deepEqual(back.map(c => c.id), newestFirst.slice(3, 6));
});

test('iterate over all customers, following next links', async () => {
  const mollie = newClient();
  const created = [];
  for (let i = 0; i < 5; i++) created.push((await mollie.customers.create({ name: `C${i}` })).id);

  const all = [];
  for await (const customer of mollie.customers.iterate()) all.push(customer.id);
  assert.deepEqual(all, [...created].reverse());

  // take(n) makes the client ask for small pages and follow `next`.
  const firstTwo = [];
  for await (const customer of mollie.customers.iterate().take(2)) firstTwo.push(customer.id);
  assert.deepEqual(firstTwo, [created[4], created[3]]);

  const ascending = [];
  for await (const customer of mollie.customers.iterate({ sort: 'asc', from: created[2] })) ascending.push(customer.id);
  assert.deepEqual(ascending, created.slice(2));
});

test('keys are isolated accounts', async () => {
  const mine = await newClient().customers.create({ name: 'Mine' });
  const other = newClient();

  assert.equal((await other.customers.page()).length, 0);
  await assert.rejects(other.customers.get(mine.id), err => err instanceof MollieApiError && err.statusCode === 404);
});

test('delete a customer: 204, gone from lists, 410 afterwards', async () => {
  const mollie = newClient();
  const keep = await mollie.customers.create({ name: 'Keep' });
  const gone = await mollie.customers.create({ name: 'Gone' });

  // The client sends DELETE with a JSON body of {}; the sandbox answers 204.
  assert.equal(await mollie.customers.delete(gone.id), true);
  assert.deepEqual((await mollie.customers.page()).map(c => c.id), [keep.id]);

  await assert.rejects(mollie.customers.get(gone.id), err => {
    assert.ok(err instanceof MollieApiError);
    assert.equal(err.statusCode, 410);
    assert.equal(err.title, 'Gone');
    assert.equal(err.message, 'The customer has been deleted.');
    return true;
  });
  await assert.rejects(mollie.customers.delete(gone.id), err => err.statusCode === 410);
});

test('an idempotent create replays the first customer', async () => {
  const mollie = newClient();
  const first = await mollie.customers.create({ name: 'Once', idempotencyKey: 'retry-me-1' });
  const second = await mollie.customers.create({ name: 'Once', idempotencyKey: 'retry-me-1' });
  assert.equal(second.id, first.id);
  assert.equal((await mollie.customers.page()).length, 1);
});
