// Makes NODE_EXTRA_CA_CERTS reach @mollie/api-client.
//
// The official Node client pins its own bundle of root certificates: it
// creates its https.Agent with an explicit `ca` option. Node ignores
// NODE_EXTRA_CA_CERTS whenever `ca` is given, so the sandbox's generated CA
// (GET /_sandbox/ca.pem) is never trusted and every call fails with
// "self-signed certificate in certificate chain". Preloaded with
// `node --require ./trust-sandbox-ca.cjs`, this appends the certificates of
// NODE_EXTRA_CA_CERTS to any explicit `ca`, so the client is used unmodified
// and still verifies the sandbox's certificate.
'use strict';

const fs = require('node:fs');
const tls = require('node:tls');

const file = process.env.NODE_EXTRA_CA_CERTS;
if (file) {
  const extra = fs.readFileSync(file, 'utf8');
  const createSecureContext = tls.createSecureContext;
  tls.createSecureContext = function (options) {
    if (options && options.ca != null) {
      options = { ...options, ca: [].concat(options.ca, extra) };
    }
    return createSecureContext.call(this, options);
  };
}
