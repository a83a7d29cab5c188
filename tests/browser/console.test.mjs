// The QA console in real headless Chromium: paste a key, see a payment made
// through the API appear, pay it with a button and see the status and the
// webhook attempt, switch a scenario on and see the next API call fail in
// the live journal, reset the account; pick an account from the list and
// refund, charge back (with a reason), capture and steer a subscription.
// Screenshots of each page go to target/browser-screenshots/console-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const binary = process.env.MOLLIE_SANDBOX_BIN ||
  [path.join(root, 'target/release/mollie-sandbox'), path.join(root, 'target/debug/mollie-sandbox')]
    .find((p) => existsSync(p));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.SCREENSHOT_DIR || path.join(root, 'target', 'browser-screenshots');

let sandbox, sandboxUrl, shop, shopUrl, browser;
const hooks = [];

function key() {
  return 'test_' + randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 30);
}

async function api(apiKey, method, p, body) {
  const res = await fetch(sandboxUrl + p, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function waitFor(check, what) {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

// Waits for the answer box to show `what` (the request the button sent), then
// checks its status. The box is emptied when a button is pressed.
async function answered(page, what, status = '200') {
  await page.locator('#result', { hasText: what }).waitFor();
  assert.equal(await page.getAttribute('#result', 'data-status'), status);
}

const shot = (page, name) => page.screenshot({ path: path.join(shots, `console-${name}.png`), fullPage: true });

// A laptop-sized page that accepts every confirm dialog and collects the
// script errors and the URLs it requests.
async function desktop() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => d.accept());
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  return { context, page, errors, urls };
}

before(async () => {
  assert.ok(binary, 'build the sandbox first (cargo build --release)');
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: run scripts/install-browser`);
  mkdirSync(shots, { recursive: true });
  sandbox = spawn(binary, ['--port', '0', '--no-fixtures', '--webhook-time-scale', '0.001', '--journal-bodies',
    // Refunds wait an hour between steps: they move when the test advances the clock.
    '--refund-delay', '3600'], {
    env: { ...process.env, RUST_LOG: 'info', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  sandboxUrl = await new Promise((resolve, reject) => {
    let seen = '';
    sandbox.stderr.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) resolve(m[1]);
    });
    sandbox.on('exit', (code) => reject(new Error(`sandbox exited (${code}): ${seen}`)));
  });
  shop = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(body);
      res.end('ok');
    });
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${shop.address().port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  sandbox?.kill();
  await new Promise((r) => (shop ? shop.close(r) : r()));
});

test('paste a key, pay a payment, see its webhook, fail the next call by a scenario, reset', async () => {
  const k = key();
  const { context, page, errors, urls } = await desktop();

  await page.goto(`${sandboxUrl}/_sandbox/`);
  await shot(page, 'login');
  await page.getByLabel('API key').fill(k);
  await page.locator('#key-form button').click();
  await page.getByRole('heading', { name: /Payments/ }).waitFor();
  assert.equal(await page.textContent('#who-key'), `${k.slice(0, 8)}…${k.slice(-4)}`);
  assert.match(await page.textContent('#panel'), /Nothing here yet/);

  // A payment made by the app, through the API, appears.
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '24.95', currency: 'EUR' },
    description: 'Order <b>#1337</b>',
    redirectUrl: `${shopUrl}/return`,
    webhookUrl: `${shopUrl}/webhook`,
    method: 'ideal',
  });
  assert.equal(created.status, 201);
  const id = created.json.id;
  // The table follows by itself (it refreshes every two seconds).
  const row = page.locator('tbody tr', { hasText: id });
  await row.waitFor({ timeout: 5000 });
  assert.match(await row.textContent(), /open/);
  assert.match(await row.textContent(), /Order <b>#1337<\/b>/, 'markup in data shows as text');
  await shot(page, 'payments');

  // Pay it with a button: status and webhook attempt.
  await page.getByRole('link', { name: id, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(`Payment ${id}`) }).waitFor();
  await page.getByRole('button', { name: 'Set paid' }).click();
  await answered(page, `/_sandbox/payments/${id}/status`);
  assert.match(await page.textContent('#result'), new RegExp(`POST /_sandbox/payments/${id}/status`));
  assert.match(await page.locator('#result pre').nth(1).textContent(), /curl -X POST .*Authorization: Bearer \$MOLLIE_API_KEY.*"status":"paid"/);
  assert.match(await page.textContent('#h-payment'), /paid/);
  assert.equal((await api(k, 'GET', `/v2/payments/${id}`)).json.status, 'paid');
  await waitFor(() => hooks.includes(`id=${id}`), 'the webhook');
  const attempt = await waitFor(async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    const li = page.locator('li.hook', { hasText: id });
    return (await li.count()) > 0 && li.first();
  }, 'the webhook attempt in the console');
  assert.match(await attempt.textContent(), /attempt 1 .*answered 200/);
  await shot(page, 'webhooks');
  await page.goto(`${sandboxUrl}/_sandbox/#/payments/${id}`);
  // Only the hash changes: wait for the payment's page, not the webhooks
  // panel's list still shown.
  await page.getByRole('heading', { name: new RegExp(`Payment ${id}`) }).waitFor();
  await page.locator('li.hook').first().waitFor();
  assert.match(await page.textContent('ol.timeline'), /Status paid/);
  await shot(page, 'payment');

  // Switch a scenario on; the next API call fails, live in the journal.
  await page.getByRole('link', { name: 'Scenarios', exact: true }).click();
  await page.getByRole('button', { name: 'Switch on outage' }).click();
  await answered(page, 'PUT /_sandbox/scenario');
  await page.locator('article.scenario.on', { hasText: 'outage' }).waitFor();
  await shot(page, 'scenarios');
  await page.getByRole('link', { name: 'Requests', exact: true }).click();
  await page.locator('#journal-rows').waitFor();
  const failed = await api(k, 'GET', `/v2/payments/${id}`);
  assert.equal(failed.status, 503);
  const entry = page.locator('#journal-rows tr', { hasText: '503' }).first();
  await entry.waitFor({ timeout: 5000 });
  assert.match(await entry.textContent(), /outage: down/);
  assert.match(await entry.textContent(), new RegExp(`/v2/payments/${id}`));
  await entry.locator('summary').click();
  await entry.locator('.bodies pre').first().waitFor();
  assert.match(await entry.locator('.bodies').textContent(), /Response body/);
  await shot(page, 'journal');
  await page.getByRole('link', { name: 'Scenarios', exact: true }).click();
  await page.getByRole('button', { name: 'Switch off for this account' }).click();
  await answered(page, 'DELETE /_sandbox/scenario');
  assert.equal((await api(k, 'GET', `/v2/payments/${id}`)).status, 200);

  // Download the state, reset (the account's objects go), upload it again.
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await shot(page, 'account');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download state' }).click(),
  ]);
  const saved = path.join(shots, 'console-state.json');
  await download.saveAs(saved);
  assert.equal(download.suggestedFilename(), 'sandbox-state.json');
  assert.match(readFileSync(saved, 'utf8'), new RegExp(id));
  await page.getByRole('button', { name: 'Reset this account' }).click();
  await answered(page, 'POST /_sandbox/reset');
  assert.equal((await api(k, 'GET', `/v2/payments/${id}`)).status, 404);
  await page.getByRole('link', { name: 'Payments', exact: true }).click();
  await page.getByText('Nothing here yet').waitFor();
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await page.getByLabel('Upload state').setInputFiles(saved);
  await answered(page, 'PUT /_sandbox/state');
  assert.equal((await api(k, 'GET', `/v2/payments/${id}`)).json.status, 'paid');

  // The key never went into a URL.
  assert.ok(urls.length > 10);
  assert.ok(!urls.some((u) => u.includes(k)), 'no URL carries the key');
  assert.deepEqual(errors, []);
  await context.close();
});

test('refund a paid payment with the buttons, see the refunds; advance the clock a day and see what it did', async () => {
  const k = key();
  const { context, page, errors } = await desktop();
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '10.00', currency: 'EUR' },
    description: 'Order 42',
    redirectUrl: `${shopUrl}/return`,
  });
  assert.equal(created.status, 201);
  const id = created.json.id;
  assert.equal((await api(k, 'POST', `/_sandbox/payments/${id}/status`, { status: 'paid' })).status, 200);

  await page.goto(`${sandboxUrl}/_sandbox/`);
  await page.getByLabel('API key').fill(k);
  await page.locator('#key-form button').click();
  await page.getByRole('heading', { name: /Payments/ }).waitFor();
  await page.goto(`${sandboxUrl}/_sandbox/#/payments/${id}`);
  await page.getByRole('heading', { name: new RegExp(`Payment ${id}`) }).waitFor();

  // A part first, typed into the form, then the rest with one button.
  await page.getByLabel('Amount to refund').fill('3.00');
  await page.getByRole('button', { name: 'Refund part' }).click();
  await answered(page, `POST /_sandbox/payments/${id}/refunds`, '201');
  await page.locator('ol.timeline li', { hasText: 'of EUR 3.00' }).waitFor();
  await page.getByRole('button', { name: 'Refund EUR 7.00', exact: true }).click();
  await answered(page, `POST /_sandbox/payments/${id}/refunds`, '201');
  const rest = page.locator('ol.timeline li', { hasText: 'of EUR 7.00' });
  await rest.waitFor();
  assert.match(await rest.textContent(), /queued/);
  assert.equal(await page.getByRole('button', { name: /^Refund EUR/ }).count(), 0, 'nothing left to refund');
  const refunds = (await api(k, 'GET', `/v2/payments/${id}/refunds`)).json._embedded.refunds;
  assert.deepEqual(refunds.map((r) => r.amount.value).sort(), ['3.00', '7.00']);
  await shot(page, 'payment-refunded');

  await page.getByRole('link', { name: 'Refunds', exact: true }).click();
  await page.getByRole('heading', { name: /Refunds/ }).waitFor();
  assert.equal(await page.locator('tbody tr', { hasText: id }).count(), 2);
  await shot(page, 'refunds');

  // A day on the clock walks the refunds to refunded; the answer says so.
  await page.getByRole('link', { name: 'Clock', exact: true }).click();
  await page.getByRole('heading', { name: 'Clock' }).waitFor();
  const before = await page.getAttribute('#clock-now time', 'datetime');
  await page.getByRole('button', { name: 'Advance 1 day' }).click();
  await answered(page, 'POST /_sandbox/clock');
  await page.getByRole('heading', { name: 'What the advance did' }).waitFor();
  const summary = await page.textContent('#result dl.summary');
  assert.match(summary, /refundSteps: [1-9]/, summary);
  assert.match(summary, /paymentsCreated0/, summary);
  // The panel reloads after the answer shows.
  const after = await waitFor(async () => {
    const t = await page.getAttribute('#clock-now time', 'datetime');
    return t !== before && t;
  }, 'the clock panel to show the new time');
  assert.ok(Date.parse(after) - Date.parse(before) >= 86400000, `${before} -> ${after}`);
  await shot(page, 'clock');
  const walked = (await api(k, 'GET', `/v2/payments/${id}/refunds`)).json._embedded.refunds;
  assert.deepEqual(walked.map((r) => r.status), ['refunded', 'refunded']);

  await page.getByRole('link', { name: 'Profile', exact: true }).click();
  await page.locator('tbody tr', { hasText: 'ideal' }).first().waitFor();
  await shot(page, 'profile');
  assert.deepEqual(errors, []);
  await context.close();
});

test('pick an account from the list (keys masked); a phone-sized screen', async () => {
  const k = key();
  await api(k, 'POST', '/v2/customers', { name: 'Jan <script>alert(1)</script>' });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  let alerted = false;
  page.on('dialog', (d) => {
    alerted = true;
    d.dismiss();
  });
  await page.goto(`${sandboxUrl}/_sandbox/`);
  const masked = `${k.slice(0, 8)}…${k.slice(-4)}`;
  const row = page.locator('#accounts-list tr', { hasText: masked });
  await row.waitFor();
  assert.ok(!(await page.textContent('body')).includes(k), 'the full key is not shown');
  await shot(page, 'accounts-phone');
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('link', { name: 'Customers', exact: true }).click();
  await page.locator('tbody tr', { hasText: 'Jan <script>alert(1)</script>' }).waitFor();
  assert.equal(alerted, false, 'the customer name ran no script');
  await shot(page, 'customers-phone');
  await context.close();
});

test('an account picked from the list: refund, charge back with a reason, capture, steer and cancel a subscription', async () => {
  const k = key();
  const pay = async (body, status) => {
    const created = await api(k, 'POST', '/v2/payments', {
      amount: { value: '10.00', currency: 'EUR' },
      redirectUrl: `${shopUrl}/return`,
      webhookUrl: `${shopUrl}/webhook`,
      ...body,
    });
    assert.equal(created.status, 201);
    const moved = await api(k, 'POST', `/_sandbox/payments/${created.json.id}/status`, { status });
    assert.equal(moved.status, 200);
    return created.json.id;
  };
  const paid = await pay({ description: 'Order 7' }, 'paid');
  const held = await pay({ description: 'Order 8', method: 'creditcard', captureMode: 'manual' }, 'authorized');
  const cst = (await api(k, 'POST', '/v2/customers', { name: 'Jo Tester' })).json.id;
  const mandate = await api(k, 'POST', `/v2/customers/${cst}/mandates`, {
    method: 'directdebit', consumerName: 'Jo Tester', consumerAccount: 'NL55INGB0000000000',
  });
  assert.equal(mandate.status, 201);
  const sub = await api(k, 'POST', `/v2/customers/${cst}/subscriptions`, {
    amount: { value: '25.00', currency: 'EUR' }, interval: '1 month', description: 'Plan Gold',
  });
  assert.equal(sub.status, 201);
  const subId = sub.json.id;

  const { context, page, errors, urls } = await desktop();

  // Picked from the list: the console has a reference, never the key.
  await page.goto(`${sandboxUrl}/_sandbox/`);
  const row = page.locator('#accounts-list tr', { hasText: `${k.slice(0, 8)}…${k.slice(-4)}` });
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: /Payments/ }).waitFor();
  await page.goto(`${sandboxUrl}/_sandbox/#/payments/${paid}`);
  await page.getByRole('heading', { name: new RegExp(`Payment ${paid}`) }).waitFor();

  // Refund a part: the sandbox route, which acts on the picked account.
  await page.getByLabel('Amount to refund').fill('3.00');
  await page.getByRole('button', { name: 'Refund part' }).click();
  await answered(page, `POST /_sandbox/payments/${paid}/refunds`, '201');
  const curl = await page.locator('#result pre').nth(1).textContent();
  assert.match(curl, /-H "X-Sandbox-Account: acct_[^"]+"/, curl);
  assert.ok(!curl.includes(k), 'the curl has no key');
  await page.locator('ol.timeline li', { hasText: 'of EUR 3.00' }).waitFor();

  // Charge it back (all of it: a chargeback does not count refunds) with
  // the bank's reason.
  await page.getByLabel('Reason code').fill('MD06');
  await page.getByLabel('Reason description').fill('Refund request by end customer');
  await page.getByRole('button', { name: 'Charge back' }).click();
  await answered(page, `POST /_sandbox/payments/${paid}/chargebacks`, '201');
  const charged = page.locator('ol.timeline li', { hasText: 'Chargeback' });
  await charged.waitFor();
  assert.match(await charged.textContent(), /of EUR 10\.00 charged_back · reason MD06: Refund request by end customer/);
  await shot(page, 'picked-payment');
  const chargebacks = (await api(k, 'GET', `/v2/payments/${paid}/chargebacks`)).json._embedded.chargebacks;
  assert.deepEqual(chargebacks.map((c) => [c.amount.value, c.reason]),
    [['10.00', { code: 'MD06', description: 'Refund request by end customer' }]]);
  await page.getByRole('link', { name: 'Chargebacks', exact: true }).click();
  const listed = page.locator('tbody tr', { hasText: paid });
  await listed.waitFor();
  assert.match(await listed.textContent(), /MD06: Refund request by end customer/);
  await shot(page, 'chargebacks');

  // Capture the authorized payment; it becomes paid.
  await page.goto(`${sandboxUrl}/_sandbox/#/payments/${held}`);
  await page.getByRole('heading', { name: new RegExp(`Payment ${held}`) }).waitFor();
  await page.getByRole('button', { name: 'Capture', exact: true }).click();
  await answered(page, `POST /_sandbox/payments/${held}/captures`, '201');
  await page.locator('ol.timeline li', { hasText: 'Capture' }).first().waitFor();
  await waitFor(async () => (await api(k, 'GET', `/v2/payments/${held}`)).json.status === 'paid', 'the capture to settle');
  await page.locator('#h-payment', { hasText: 'paid' }).waitFor({ timeout: 5000 });

  // The subscription: its page, its charge outcome, the account's, cancel.
  await page.getByRole('link', { name: 'Subscriptions', exact: true }).click();
  await page.getByRole('link', { name: subId, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(`Subscription ${subId}`) }).waitFor();
  // The first charge, due today, appears among its payments.
  await page.locator('table tbody tr', { hasText: 'EUR 25.00' }).waitFor({ timeout: 5000 });
  const next = (await api(k, 'GET', `/v2/customers/${cst}/subscriptions/${subId}`)).json.nextPaymentDate;
  assert.match(await page.textContent('dl.facts'), new RegExp(`Next payment${next}`));
  await page.getByRole('button', { name: 'Charges failed' }).click();
  await answered(page, `PUT /_sandbox/subscriptions/${subId}`);
  await page.getByText("failed (this subscription's)").waitFor();
  await page.getByRole('link', { name: 'Subscriptions', exact: true }).click();
  await page.getByRole('button', { name: 'All charges pending' }).click();
  await answered(page, 'PUT /_sandbox/subscriptions');
  await page.locator('.outcome .chip', { hasText: 'pending' }).waitFor();
  await page.getByRole('link', { name: subId, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(`Subscription ${subId}`) }).waitFor();
  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await answered(page, `POST /_sandbox/subscriptions/${subId}/cancel`);
  await page.locator('#h-subscription', { hasText: 'canceled' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel subscription' }).count(), 0);
  await shot(page, 'subscription');
  assert.equal((await api(k, 'GET', `/v2/customers/${cst}/subscriptions/${subId}`)).json.status, 'canceled');

  assert.ok(!urls.some((u) => u.includes(k)), 'no URL carries the key');
  assert.deepEqual(errors, []);
  await context.close();
});
