// The checkout page in real headless Chromium: open a payment's checkout
// link, pick an outcome, land on the shop's URL, and see the result through
// the API and the webhook. Starts the built sandbox binary itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { start, key, waitFor, shots } from './harness.mjs';

let env, api, shopUrl, browser, hooks;

before(async () => {
  env = await start();
  ({ api, shopUrl, browser, hooks } = env);
});

after(async () => {
  await env?.stop();
});

test('pick Paid on the checkout page, land on the shop, payment paid', async () => {
  const k = key();
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '24.95', currency: 'EUR' },
    description: 'Order #1337',
    redirectUrl: `${shopUrl}/return?order=1337`,
    webhookUrl: `${shopUrl}/webhook`,
    method: 'ideal',
    issuer: 'ideal_INGBNL2A',
  });
  assert.equal(created.status, 201);
  const { id } = created.json;
  const checkout = created.json._links.checkout.href;

  const page = await browser.newPage({ viewport: { width: 600, height: 1000 } });
  await page.goto(checkout);
  assert.match(await page.title(), /Order #1337/);
  assert.match(await page.textContent('.header__amount'), /€24\.95/);
  await page.screenshot({ path: path.join(shots, 'checkout.png'), fullPage: true });

  await page.check('input[name="status"][value="paid"]');
  await Promise.all([page.waitForURL(`${shopUrl}/return?order=1337`), page.click('button[type="submit"]')]);
  assert.equal(await page.textContent('h1'), 'Thank you');
  await page.close();

  const got = await api(k, 'GET', `/v2/payments/${id}`);
  assert.equal(got.json.status, 'paid');
  assert.equal(got.json.details.consumerName, 'T. TEST');
  assert.ok(!got.json._links.checkout, 'no checkout link once paid');

  const hook = await waitFor(() => hooks.find((h) => h.body === `id=${id}`), 'the webhook');
  assert.equal(hook.method, 'POST');
  assert.equal(hook.type, 'application/x-www-form-urlencoded');
});

test('a payment with a fixed method: Canceled goes to the cancel URL', async () => {
  const k = key();
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '5.00', currency: 'EUR' },
    description: 'Order #7',
    redirectUrl: `${shopUrl}/return?order=7`,
    cancelUrl: `${shopUrl}/cancelled?order=7`,
    method: 'paypal',
  });
  const { id } = created.json;
  const page = await browser.newPage();
  await page.goto(created.json._links.checkout.href);
  await page.check('input[name="status"][value="canceled"]');
  await Promise.all([page.waitForURL(`${shopUrl}/cancelled?order=7`), page.click('button[type="submit"]')]);
  await page.close();
  const got = await api(k, 'GET', `/v2/payments/${id}`);
  assert.equal(got.json.status, 'canceled');
  assert.ok(got.json.canceledAt);
});

test('Continue without a choice stays on the page (required radio, no JavaScript)', async () => {
  const k = key();
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '1.00', currency: 'EUR' },
    description: 'Order #8',
    redirectUrl: `${shopUrl}/return?order=8`,
    method: 'banktransfer',
  });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(created.json._links.checkout.href);
  await page.click('button[type="submit"]');
  await page.waitForLoadState();
  assert.equal(page.url(), created.json._links.checkout.href);
  assert.equal((await api(k, 'GET', `/v2/payments/${created.json.id}`)).json.status, 'open');
  await page.check('input[name="status"][value="paid"]');
  await Promise.all([page.waitForURL(`${shopUrl}/return?order=8`), page.click('button[type="submit"]')]);
  await context.close();
  const got = await api(k, 'GET', `/v2/payments/${created.json.id}`);
  assert.equal(got.json.status, 'paid');
});
