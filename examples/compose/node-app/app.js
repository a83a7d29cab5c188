// An app on the official Mollie Node client that does not know the sandbox
// exists: no apiEndpoint, so it calls https://api.mollie.com as in
// production. In docker-compose the name leads to the sandbox (a network
// alias), and trust-sandbox-ca.cjs, preloaded through NODE_OPTIONS, makes the
// client trust the sandbox's CA. Exits 0 when the customer was created.
const { createMollieClient } = require('@mollie/api-client');

const mollie = createMollieClient({
  apiKey: process.env.MOLLIE_API_KEY || 'test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM',
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
