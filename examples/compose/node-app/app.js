// An app on the official Mollie Node client: creates a customer and prints it.
// Exits 0 when the customer was created.
//
// MOLLIE_API_ENDPOINT, when set, is the client's apiEndpoint, e.g.
// https://mollie/v2/ (https only: the client always uses an https.Agent).
// Unset, the client calls https://api.mollie.com as in production; in
// docker-compose that name leads to the sandbox through a network alias.
// Either way the client must trust the sandbox's CA: trust-sandbox-ca.cjs,
// preloaded through NODE_OPTIONS, does that without a change to the app.
const { createMollieClient } = require('@mollie/api-client');

const mollie = createMollieClient({
  apiKey: process.env.MOLLIE_API_KEY || 'test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM',
  apiEndpoint: process.env.MOLLIE_API_ENDPOINT || undefined,
});

mollie.customers
  .create({ name: 'Grace Hopper', email: 'grace@example.org' })
  .then((customer) => {
    console.log(`node-app: created customer ${customer.id} at ${customer._links.self.href}`);
  })
  .catch((error) => {
    console.log(`node-app: FAILED: ${error.message}`);
    process.exitCode = 1;
  });
