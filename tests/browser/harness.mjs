// What every browser test needs: the built sandbox binary started on a free
// port, a shop (return pages and a webhook receiver), headless Chromium, and
// small helpers to talk to the API.
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
export const shots = process.env.SCREENSHOT_DIR || path.join(root, 'target', 'browser-screenshots');

export function key() {
  // test_ + 30 letters and digits: a fresh, empty account.
  return 'test_' + randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 30);
}

export async function waitFor(check, what) {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/// Starts the sandbox (with `args`), the shop and the browser.
export async function start(args = []) {
  assert.ok(binary, 'build the sandbox first (cargo build --release)');
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: run scripts/install-browser`);
  mkdirSync(shots, { recursive: true });
  const env = { hooks: [] };

  env.sandbox = spawn(binary, ['--port', '0', '--no-fixtures', '--webhook-time-scale', '0.001', ...args], {
    env: { ...process.env, RUST_LOG: 'info', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  env.sandboxUrl = await new Promise((resolve, reject) => {
    let seen = '';
    env.sandbox.stderr.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) resolve(m[1]);
    });
    env.sandbox.on('exit', (code) => reject(new Error(`sandbox exited (${code}): ${seen}`)));
  });

  env.shop = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url.startsWith('/webhook')) {
        env.hooks.push({ method: req.method, type: req.headers['content-type'], body });
        res.end('ok');
      } else {
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><title>Shop</title><h1>Thank you</h1><p>${req.url.replace(/[<>&"]/g, '')}</p>`);
      }
    });
  });
  await new Promise((r) => env.shop.listen(0, '127.0.0.1', r));
  env.shopUrl = `http://127.0.0.1:${env.shop.address().port}`;

  env.browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });

  env.api = async (apiKey, method, p, body) => {
    const res = await fetch(env.sandboxUrl + p, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  env.stop = async () => {
    await env.browser?.close();
    env.sandbox?.kill();
    await new Promise((r) => env.shop.close(r));
  };
  return env;
}
