// The checkout page in real headless Chromium: open a payment's checkout
// link, pick an outcome, land on the shop's URL, and see the result through
// the API and the webhook. Starts the built sandbox binary itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
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
  // test_ + 30 letters and digits: a fresh, empty account.
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

before(async () => {
  assert.ok(binary, 'build the sandbox first (cargo build --release)');
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: run scripts/install-browser`);
  mkdirSync(shots, { recursive: true });

  sandbox = spawn(binary, ['--port', '0', '--no-fixtures', '--webhook-time-scale', '0.001'], {
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

  // The shop: a return page and a webhook receiver.
  shop = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url.startsWith('/webhook')) {
        hooks.push({ method: req.method, type: req.headers['content-type'], body });
        res.end('ok');
      } else {
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><title>Shop</title><h1>Thank you</h1><p>${req.url.replace(/[<>&"]/g, '')}</p>`);
      }
    });
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${shop.address().port}`;

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  sandbox?.kill();
  await new Promise((r) => (shop ? shop.close(r) : r()));
});

test('pick Paid on the checkout page, land on the shop, payment paid', async () => {
  const k = key();
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '24.95', currency: 'EUR' },
    description: 'Order #1337',
    redirectUrl: `${shopUrl}/return?order=1337`,
    webhookUrl: `${shopUrl}/webhook`,
    method: 'ideal',
  });
  assert.equal(created.status, 201);
  const { id } = created.json;
  const checkout = created.json._links.checkout.href;

  const page = await browser.newPage({ viewport: { width: 600, height: 1000 } });
  await page.goto(checkout);
  assert.match(await page.title(), /Order #1337/);
  assert.match(await page.textContent('.amount'), /€24\.95/);
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

test('a payment without a method: choose the method, then Canceled goes to the cancel URL', async () => {
  const k = key();
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '5.00', currency: 'EUR' },
    description: 'Order #7',
    redirectUrl: `${shopUrl}/return?order=7`,
    cancelUrl: `${shopUrl}/cancelled?order=7`,
  });
  const { id } = created.json;
  const page = await browser.newPage();
  await page.goto(created.json._links.checkout.href);
  await page.selectOption('select[name="method"]', 'creditcard');
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
