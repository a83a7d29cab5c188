// Preload for Node apps on @mollie/api-client: makes the client trust the
// sandbox's CA without a change to the app. The one variable is Node's own:
//
//   NODE_EXTRA_CA_CERTS=/path/to/ca.pem   (GET /_sandbox/ca.pem, or the sandbox's /state/ca.pem)
//   NODE_OPTIONS="--require /path/to/trust-sandbox-ca.cjs"
//
// Why a preload: @mollie/api-client passes its own bundled list of root CAs
// as the `ca` option of its https.Agent, and Node ignores
// NODE_EXTRA_CA_CERTS (and the system store) whenever `ca` is given, so
// calls fail with "self-signed certificate in certificate chain". This adds
// the certificates of NODE_EXTRA_CA_CERTS to every explicit `ca` list;
// connections without one already get them from Node. Certificates are
// still verified.
'use strict';
const fs = require('node:fs');
const tls = require('node:tls');

const file = process.env.NODE_EXTRA_CA_CERTS;
if (file) {
  let extra;
  try {
    extra = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`trust-sandbox-ca.cjs: cannot read NODE_EXTRA_CA_CERTS=${file}: ${e.message}`);
  }
  const createSecureContext = tls.createSecureContext;
  tls.createSecureContext = function (options) {
    if (options && options.ca != null) {
      options = { ...options, ca: [].concat(options.ca, extra) };
    }
    return createSecureContext.call(this, options);
  };
}
