// Error handling: the ApiError the Node client raises for the sandbox's
// Mollie-shaped error bodies.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { MollieApiError } = require('@mollie/api-client');
const { newClient, paymentBody } = require('./helpers');

function apiError(statusCode, title, message, field) {
  return err => {
    assert.ok(err instanceof MollieApiError, String(err));
    assert.equal(err.statusCode, statusCode);
    assert.equal(err.title, title);
    assert.equal(err.message, message);
    assert.equal(err.field, field);
    return true;
  };
}

test('an invalid locale is a 422 naming the field', async () => {
  const mollie = newClient();
  await assert.rejects(
    mollie.customers.create({ name: 'X', locale: 'xx_XX' }),
    apiError(422, 'Unprocessable Entity', 'The locale is invalid', 'locale'),
  );
  assert.equal((await mollie.customers.page()).length, 0);
});

test('an unknown body field is a 422', async () => {
  await assert.rejects(
    newClient().customers.create({ name: 'X', nickname: 'Y' }),
    apiError(422, 'Unprocessable Entity', 'Non-existent body parameter "nickname" for this API call.', 'nickname'),
  );
});

test('payment validation names the field', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({});
  const cases = [
    [{ description: 'd', redirectUrl: 'https://example.org' }, 'amount', 'The amount is required for payments'],
    [paymentBody({ amount: { value: '10.0', currency: 'EUR' } }), 'amount.value', 'The amount contains an invalid value'],
    [paymentBody({ amount: { value: '10.00', currency: 'XYZ' } }), 'amount.currency', 'The amount contains an invalid currency'],
    [paymentBody({ description: undefined }), 'description', "The 'description' field is missing"],
    [paymentBody({ redirectUrl: undefined }), 'redirectUrl', 'The redirect URL is invalid'],
  ];
  for (const [body, field, message] of cases) {
    await assert.rejects(
      mollie.customerPayments.create({ customerId: customer.id, ...body }),
      apiError(422, 'Unprocessable Entity', message, field),
    );
  }
  assert.equal((await mollie.customerPayments.page({ customerId: customer.id })).length, 0);
});

test('a recurring payment without a mandate', async () => {
  const mollie = newClient();
  const customer = await mollie.customers.create({});
  await assert.rejects(
    mollie.customerPayments.create({
      customerId: customer.id,
      amount: { value: '5.00', currency: 'EUR' },
      description: 'Monthly',
      sequenceType: 'recurring',
    }),
    apiError(422, 'Unprocessable Entity', 'No suitable mandates found for customer', undefined),
  );
});

test('an unknown customer is a 404, for get, update and delete', async () => {
  const mollie = newClient();
  const notFound = apiError(404, 'Not Found', 'No customer exists with token cst_doesnotexist.', undefined);
  await assert.rejects(mollie.customers.get('cst_doesnotexist'), notFound);
  await assert.rejects(mollie.customers.update('cst_doesnotexist', { name: 'x' }), notFound);
  await assert.rejects(mollie.customers.delete('cst_doesnotexist'), notFound);
  await assert.rejects(mollie.customerPayments.page({ customerId: 'cst_doesnotexist' }), notFound);
});

test('a bad cursor or limit is a 400 naming the field', async () => {
  const mollie = newClient();
  await assert.rejects(mollie.customers.page({ from: 'cst_doesnotexist' }), apiError(400, 'Bad Request', 'Invalid value passed', 'from'));
  await assert.rejects(mollie.customers.page({ limit: 251 }), apiError(400, 'Bad Request', 'Invalid value passed', 'limit'));
});

test('an unknown key is a 401 with the documented body', async () => {
  const mollie = newClient({ apiKey: 'test_tooshort' });
  await assert.rejects(mollie.customers.page(), err => {
    apiError(401, 'Unauthorized Request', 'Missing authentication, or failed to authenticate', undefined)(err);
    assert.equal(err.getDocumentationUrl(), 'https://docs.mollie.com/overview/authentication');
    return true;
  });
});
