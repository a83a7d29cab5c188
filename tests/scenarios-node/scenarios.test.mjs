// The official Node client, unmodified, against mollie-sandbox under
// scenarios. The client retries 5xx answers on its own (3 attempts, 2 s
// apart) with one Idempotency-Key; the sandbox must let the retry run after
// an injected failure, and replay a success even when a rule would now fail.
//
// The client only speaks HTTPS and pins its own CA bundle as the agent's
// `ca` (so NODE_EXTRA_CA_CERTS is ignored): the harness adds the sandbox's
// CA, from /_sandbox/ca.pem, to every https.Agent it makes.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

const BIN = process.env.MOLLIE_SANDBOX_BIN ?? resolve(import.meta.dirname, '../../target/release/mollie-sandbox');

let sandbox;
let http; // http://127.0.0.1:PORT, for the sandbox's own API
let api; // https://localhost:PORT/v2/, for the client
let createMollieClient;

function newKey() {
  return 'test_' + randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(30, 'x').slice(0, 30);
}

before(async () => {
  const scenarios = mkdtempSync(join(tmpdir(), 'mollie-sandbox-node-'));
  writeFileSync(join(scenarios, 'drop-all.json'), JSON.stringify({
    name: 'drop-all',
    description: 'Every request has its connection reset.',
    rules: [{ name: 'drop', fault: 'reset' }],
  }));
  sandbox = spawn(BIN, ['--port', '0', '--tls-port', '0', '--no-fixtures', '--seed', '1', '--log-format', 'json',
    '--scenarios', scenarios], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = createInterface({ input: sandbox.stderr });
  await new Promise((ok, fail) => {
    sandbox.once('exit', (code) => fail(new Error(`sandbox exited with ${code}`)));
    lines.on('line', (line) => {
      let message = '';
      try {
        message = JSON.parse(line).fields?.message ?? '';
      } catch {
        return;
      }
      const plain = message.match(/^listening on (http:\/\/\S+)$/);
      const tls = message.match(/^listening on https:\/\/[^:]+:(\d+)$/);
      if (plain) http = plain[1];
      if (tls) api = `https://localhost:${tls[1]}/v2/`;
      if (http && api) ok();
    });
  });
  const ca = await (await fetch(`${http}/_sandbox/ca.pem`)).text();
  assert.match(ca, /BEGIN CERTIFICATE/);
  const Agent = https.Agent;
  https.Agent = class extends Agent {
    constructor(options = {}) {
      super({ ...options, ca: [].concat(options.ca ?? [], ca) });
    }
  };
  ({ createMollieClient } = await import('@mollie/api-client'));
});

after(() => {
  sandbox?.kill('SIGTERM');
});

async function sandboxApi(method, path, key, body) {
  const res = await fetch(`${http}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function activate(key, name) {
  const r = await sandboxApi('PUT', '/_sandbox/scenario', key, { name });
  assert.equal(r.status, 200);
  assert.equal(r.body.active, name);
}

const payment = {
  amount: { currency: 'EUR', value: '10.00' },
  description: 'Order #1',
  redirectUrl: 'https://shop.example.org/return',
};

test('the client retries two injected 503s with one key, and the payment is made once', async () => {
  const key = newKey();
  const mollie = createMollieClient({ apiKey: key, apiEndpoint: api });
  await activate(key, 'flaky-payment-create');
  const created = await mollie.payments.create(payment);
  assert.match(created.id, /^tr_/);
  assert.equal(created.status, 'open');

  const journal = (await sandboxApi('GET', '/_sandbox/requests?method=POST&path=/v2/payments', key)).body;
  assert.deepEqual(journal.requests.map((e) => e.status), [201, 503, 503]);
  const keys = new Set(journal.requests.map((e) => e.idempotencyKey));
  assert.equal(keys.size, 1, 'all attempts carry the same Idempotency-Key');
  assert.ok([...keys][0]);
  assert.deepEqual(journal.requests[1].rules, ['first-two-creations-fail']);

  const list = await mollie.payments.page();
  assert.equal(list.length, 1);
  assert.equal(list[0].id, created.id);
});

test('a succeeded create replays under an outage; a new one fails after three attempts', async () => {
  const key = newKey();
  const mollie = createMollieClient({ apiKey: key, apiEndpoint: api });
  const first = await mollie.payments.create({ ...payment, idempotencyKey: 'order-42' });
  await activate(key, 'outage');
  const again = await mollie.payments.create({ ...payment, idempotencyKey: 'order-42' });
  assert.equal(again.id, first.id);

  await assert.rejects(mollie.payments.create({ ...payment, idempotencyKey: 'order-43' }), (e) => {
    assert.equal(e.statusCode, 503);
    assert.equal(e.title, 'Service Unavailable');
    return true;
  });
  const journal = (await sandboxApi('GET', '/_sandbox/requests?method=POST', key)).body;
  assert.deepEqual(journal.requests.map((e) => `${e.idempotencyKey} ${e.status}`), [
    'order-43 503', 'order-43 503', 'order-43 503', 'order-42 201', 'order-42 201',
  ]);
  await sandboxApi('DELETE', '/_sandbox/scenario', key);
  assert.equal((await mollie.payments.page()).length, 1);
});

test('a connection reset reaches the client as a network error, over TLS', async () => {
  const key = newKey();
  const mollie = createMollieClient({ apiKey: key, apiEndpoint: api });
  await activate(key, 'drop-all');
  await assert.rejects(mollie.customers.page(), (e) => {
    assert.match(String(e.message), /ECONNRESET|socket hang up/);
    return true;
  });
  const journal = (await sandboxApi('GET', '/_sandbox/requests?status=fault', key)).body;
  assert.equal(journal.count, 1);
  assert.equal(journal.requests[0].fault, 'reset');
});
