// Methods and Profiles through @mollie/api-client: the filters a checkout
// sends, iDEAL with its issuers, and profiles.getCurrent().
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { baseUrl, newClient, paymentBody, randomKey } = require('./helpers');

const DEFAULT = [
  'ideal', 'creditcard', 'paypal', 'banktransfer', 'bancontact', 'eps', 'przelewy24', 'kbc',
  'belfius', 'directdebit', 'giftcard', 'mybank', 'trustly', 'satispay', 'bancomatpay', 'paysafecard',
];

const ids = methods => methods.map(m => m.id);

test('list methods with the filters plugins send', async () => {
  const mollie = newClient();
  const all = await mollie.methods.list();
  assert.deepEqual(ids(all), DEFAULT);
  const ideal = all.find(m => m.id === 'ideal');
  assert.equal(ideal.description, 'iDEAL');
  assert.deepEqual(ideal.maximumAmount, { value: '50000.00', currency: 'EUR' });
  assert.equal(ideal.image.size2x, `${baseUrl}/external/icons/payment-methods/ideal%402x.png`);

  const usd = await mollie.methods.list({ amount: { value: '100.00', currency: 'USD' } });
  assert.deepEqual(ids(usd), ['creditcard', 'paypal']);
  assert.equal(usd[0].minimumAmount.currency, 'USD');
  const recurring = await mollie.methods.list({ sequenceType: 'recurring' });
  assert.deepEqual(ids(recurring), ['creditcard', 'paypal', 'directdebit']);
  const wallets = await mollie.methods.list({ includeWallets: 'applepay', locale: 'fr_BE' });
  assert.deepEqual(ids(wallets).slice(0, 3), ['bancontact', 'kbc', 'belfius']);
  assert.ok(ids(wallets).includes('applepay'));
  assert.equal(wallets.find(m => m.id === 'banktransfer').description, 'Virement bancaire');
  const orders = await mollie.methods.list({ resource: 'orders', billingCountry: 'NL', amount: { value: '150.00', currency: 'EUR' } });
  assert.ok(ids(orders).includes('in3'));
  assert.ok(ids(orders).includes('klarna'));
  const withIssuers = await mollie.methods.list({ include: ['issuers', 'pricing'] });
  assert.ok(withIssuers.find(m => m.id === 'kbc').issuers.some(i => i.id === 'cbc'));
  assert.ok(Array.isArray(withIssuers[0].pricing));
});

test('get ideal with its issuers', async () => {
  const mollie = newClient();
  const ideal = await mollie.methods.get('ideal', { include: 'issuers' });
  assert.equal(ideal.id, 'ideal');
  const ing = ideal.issuers.find(i => i.id === 'ideal_INGBNL2A');
  assert.equal(ing.name, 'ING');
  assert.equal(ing.image.svg, `${baseUrl}/external/icons/ideal-issuers/INGBNL2A.svg`);
  const euro = await mollie.methods.get('directdebit', { currency: 'EUR' });
  assert.deepEqual(euro.maximumAmount, { value: '1000.00', currency: 'EUR' });
  await assert.rejects(mollie.methods.get('bitcoin'), err => err.statusCode === 404);
});

test('profiles.getCurrent is the key\'s profile', async () => {
  const apiKey = randomKey();
  const mollie = newClient({ apiKey });
  const profile = await mollie.profiles.getCurrent();
  assert.match(profile.id, /^pfl_[A-Za-z0-9]{10}$/);
  assert.equal(profile.mode, 'test');
  assert.equal(profile.name, 'Sandbox Shop');
  assert.equal(profile.status, 'verified');
  assert.equal(profile._links.checkoutPreviewUrl.type, 'text/html');
  const payment = await mollie.payments.create(paymentBody());
  assert.equal(payment.profileId, profile.id);
  // Organization endpoints want an access token.
  await assert.rejects(mollie.profiles.page(), err => err.statusCode === 401);
});

test('an access token manages profiles and their methods', async () => {
  const mollie = newClient({ accessToken: randomKey('access_') });
  const created = await mollie.profiles.create({
    name: 'Second shop',
    website: 'https://second.example.org',
    email: 'info@second.example.org',
    phone: '+31208202070',
    mode: 'test',
  });
  assert.equal(created.status, 'unverified');
  assert.deepEqual(ids(await mollie.methods.list({ profileId: created.id })), []);
  await mollie.profileMethods.enable({ profileId: created.id, id: 'ideal' });
  assert.deepEqual(ids(await mollie.methods.list({ profileId: created.id })), ['ideal']);
  const profiles = await mollie.profiles.page();
  assert.ok(profiles.some(p => p.id === created.id));
  const org = await mollie.organizations.getCurrent();
  assert.match(org.id, /^org_\d{8}$/);
});
