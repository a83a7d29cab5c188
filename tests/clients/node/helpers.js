// Shared by the Node client suites: where the sandbox is, and a client with
// a fresh key (a fresh key is a fresh, empty sandbox account).
'use strict';

const crypto = require('node:crypto');
const { createMollieClient } = require('@mollie/api-client');

const base = process.env.MOLLIE_SANDBOX_TLS_URL;
if (!base) {
  throw new Error('MOLLIE_SANDBOX_TLS_URL is not set; run scripts/test-clients');
}
const baseUrl = base.replace(/\/+$/, '');
const apiEndpoint = `${baseUrl}/v2/`;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomKey(prefix = 'test_') {
  let key = prefix;
  for (const byte of crypto.randomBytes(30)) key += ALPHABET[byte % ALPHABET.length];
  return key;
}

function newClient(options = {}) {
  const credentials = options.accessToken ? {} : { apiKey: options.apiKey ?? randomKey() };
  return createMollieClient({ ...credentials, apiEndpoint, ...options });
}

const DOCS = 'https://docs.mollie.com/reference/v2/';
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

function paymentBody(extra = {}) {
  return {
    amount: { value: '10.00', currency: 'EUR' },
    description: 'Order #1',
    redirectUrl: 'http://localhost:3000/return',
    ...extra,
  };
}

// What the customer's choice on the test checkout page does, through the
// sandbox's own API with the same Bearer key as the client (a plain request:
// the client has no call for it). Resolves to the payment JSON.
async function setStatus(apiKey, paymentId, status) {
  const resp = await fetch(`${baseUrl}/_sandbox/payments/${paymentId}/status`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ status }),
  });
  const body = await resp.json();
  if (resp.status !== 200) {
    throw new Error(`POST /_sandbox/payments/${paymentId}/status: ${resp.status} ${JSON.stringify(body)}`);
  }
  return body;
}

module.exports = { baseUrl, apiEndpoint, randomKey, newClient, paymentBody, setStatus, DOCS, DATETIME };
