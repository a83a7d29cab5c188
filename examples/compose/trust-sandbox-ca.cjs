// Preload for Node apps on @mollie/api-client: makes the client trust the
// sandbox's CA without a change to the app.
//
//   NODE_OPTIONS="--require /path/to/trust-sandbox-ca.cjs"
//   MOLLIE_SANDBOX_CA=/path/to/ca.pem   (GET /_sandbox/ca.pem, or the sandbox's /state/ca.pem)
//
// Why: @mollie/api-client passes its own bundled list of root CAs as the
// `ca` option of its https.Agent, and Node ignores NODE_EXTRA_CA_CERTS (and
// the system store) whenever `ca` is given. This adds the sandbox's CA to
// every explicit `ca` list; connections without one are left as they are.
'use strict';
const fs = require('fs');
const tls = require('tls');

const file = process.env.MOLLIE_SANDBOX_CA;
if (file) {
  const sandboxCa = fs.readFileSync(file, 'utf8');
  const createSecureContext = tls.createSecureContext;
  tls.createSecureContext = function (options) {
    if (options && options.ca) {
      options = { ...options, ca: [].concat(options.ca, sandboxCa) };
    }
    return createSecureContext.call(this, options);
  };
}
