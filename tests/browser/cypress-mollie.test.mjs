// The actions and assertions of cypress-mollie 1.4.0 (the public package
// Cypress suites use to click through Mollie's hosted test checkout),
// replayed with Playwright against the sandbox's checkout: the same
// selectors, the same texts, the same order of steps. Each flow is followed
// to the shop's redirect URL and checked through the API. Screenshots of
// every screen go to target/browser-screenshots (test artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { start, key, waitFor, shots } from './harness.mjs';

let env, api, shopUrl, browser;

before(async () => {
  env = await start();
  ({ api, shopUrl, browser } = env);
});

after(async () => {
  await env?.stop();
});

// cy.contains(text): the deepest element whose text contains `text`
// (case-sensitive, scripts and styles left out), or its nearest
// input[type=submit], button, a or label ancestor, which Cypress prefers.
async function contains(page, text) {
  const handle = await page.evaluateHandle((t) => {
    const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);
    const visibleText = (e) => (skip.has(e.tagName) ? '' : e.textContent);
    const hits = [...document.body.querySelectorAll('*')].filter(
      (e) => !skip.has(e.tagName) && !e.closest('script,style,noscript') && visibleText(e).includes(t),
    );
    const deepest = hits.filter((e) => ![...e.children].some((c) => visibleText(c).includes(t)));
    if (!deepest.length) return null;
    return deepest[0].closest("input[type='submit'],button,a,label") || deepest[0];
  }, text);
  const el = handle.asElement();
  assert.ok(el, `cy.contains(${JSON.stringify(text)}) found nothing on ${page.url()}`);
  return el;
}

// An action that leaves the page: wait for the next document to load.
async function click(page, action) {
  const navigated = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await action();
  await navigated;
  await page.waitForLoadState('load');
}

// --- the screens, as cypress-mollie drives them ---

const PaymentListScreen = {
  selectPaypal: (page) => contains(page, 'PayPal'),
  selectCreditCard: (page) => contains(page, 'Credit/Debit Card'),
  selectGiropay: (page) => contains(page, 'giropay'),
  selectPayLater: (page) => contains(page, 'Pay later'),
  selectPayNow: (page) => contains(page, 'Pay now'),
  selectSOFORT: (page) => contains(page, 'SOFORT'),
  selectiDEAL: (page) => contains(page, 'iDEAL'),
  selectEPS: (page) => contains(page, 'eps'),
  selectBankTransfer: (page) => contains(page, 'Bank transfer'),
  selectMyBank: (page) => contains(page, 'MyBank'),
  selectBancontact: (page) => contains(page, 'Bancontact'),
  selectP24: (page) => contains(page, 'Przelewy24'),
  selectBelfius: (page) => contains(page, 'Belfius'),
  selectSepaDirectDebit: (page) => contains(page, 'SEPA Direct Debit'),
  selectIn3: (page) => contains(page, 'Pay in 3'),
  selectGiftcardBeautyCadeau: (page) => contains(page, 'BeautyCadeau'),
};

const IDealScreen = {
  selectID: (page, id) => page.locator(`button[value="${id}"]`),
  selectName: (page, name) => contains(page, name),
  selectAbnAmro: (page) => page.locator('button[value="ideal_ABNANL2A"]'),
  selectING: (page) => page.locator('button[value="ideal_INGBNL2A"]'),
  selectRabobank: (page) => page.locator('button[value="ideal_RABONL2U"]'),
  selectASN: (page) => page.locator('button[value="ideal_ASNBNL21"]'),
  selectBunq: (page) => page.locator('button[value="ideal_BUNQNL2A"]'),
  selectHandelsbanken: (page) => page.locator('button[value="ideal_HANDNL2A"]'),
  selectKnab: (page) => page.locator('button[value="ideal_KNABNL2H"]'),
  selectRegiobank: (page) => page.locator('button[value="ideal_RBRBNL21"]'),
  selectRevolut: (page) => page.locator('button[value="ideal_REVOLT21"]'),
  selectSNS: (page) => page.locator('button[value="ideal_SNSBNL2A"]'),
  selectTriodos: (page) => page.locator('button[value="ideal_TRIONL2U"]'),
  selectVanLanschot: (page) => page.locator('button[value="ideal_FVLBNL22"]'),
};

const KBCScreen = {
  selectKBC: (page) => page.locator('button[value="kbc"]'),
  selectCBC: (page) => page.locator('button[value="cbc"]'),
};

const GiftCardsScreen = {
  selectBeautyCards: (page) => contains(page, 'BeautyCadeau'),
};

const CreditCardScreen = {
  async enterValidCard(page) {
    const currentYear = new Date().getFullYear().toString().substr(-2);
    await this.setCardHolder(page, 'Cypress Test');
    await this.setCardNumber(page, '3782 822463 10005');
    // As cypress-mollie writes it: a string plus 1, so "12" + "26" + "1";
    // the field keeps the first four digits, as Mollie's does.
    await this.setExpiryDate(page, '12' + (currentYear + 1));
    await this.setVerificationCode(page, '1234');
  },
  type: async (page, field, value) => {
    const input = page.frameLocator(`iframe[name="${field}-input"]`).locator(`#${field}`).first();
    await input.click();
    await input.pressSequentially(value);
  },
  setCardHolder(page, v) { return this.type(page, 'cardHolder', v); },
  setCardNumber(page, v) { return this.type(page, 'cardNumber', v); },
  setExpiryDate(page, v) { return this.type(page, 'expiryDate', v); },
  setVerificationCode(page, v) { return this.type(page, 'verificationCode', v); },
  submitForm: (page) => page.locator('#submit-button').click(),
};

const CreditCardComponentsAssertion = {
  async assertField(page, field, expectedValid) {
    const want = expectedValid ? 'is-valid' : 'is-invalid';
    await waitFor(
      async () => ((await page.locator(`.mollie-component--${field}`).getAttribute('class')) || '').split(/\s+/).includes(want),
      `.mollie-component--${field} to have ${want}`,
    );
  },
  async assertFormValid(page, expectedValid) {
    for (const f of ['cardHolder', 'cardNumber', 'expiryDate', 'verificationCode']) {
      await this.assertField(page, f, expectedValid);
    }
  },
};

const PaymentStatusScreen = {
  getDescription: (page) => page.locator('.header__info'),
  getMerchantName: (page) => page.locator('.header__merchant-name'),
  getAmount: (page) => page.locator('.header__amount'),
  async select(page, status) {
    await page.locator(`input[value="${status}"]`).click();
    // cy.get('.button').click(): fails unless exactly one element has the class.
    await page.locator('.button').click();
  },
  goBack: (page) => page.locator('.button--link').click(),
  selectLocale: (page, language) => page.locator('#select-locale').selectOption(language),
};

// cypress-mollie's assertAmount: digits of the amount within the header's.
async function assertAmount(page, amount) {
  const want = amount.toString().replace(',', '').replace('.', '');
  const shown = (await PaymentStatusScreen.getAmount(page).textContent()).replace(',', '').replace('.', '');
  assert.ok(shown.includes(want), `${shown} contains ${want}`);
}

// --- flows ---

async function payment(k, body) {
  const created = await api(k, 'POST', '/v2/payments', {
    amount: { value: '50.00', currency: 'EUR' },
    description: 'Order #4711',
    redirectUrl: `${shopUrl}/return?order=4711`,
    cancelUrl: `${shopUrl}/cancelled?order=4711`,
    ...body,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return created.json;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/// After a method (and its screen), the status page: choose `status`,
/// land on the shop, and return the payment as the API shows it.
async function finish(page, k, id, status = 'paid', to = `${shopUrl}/return?order=4711`) {
  await page.waitForSelector('input[value="open"]');
  await Promise.all([page.waitForURL(to), PaymentStatusScreen.select(page, status)]);
  assert.equal(await page.textContent('h1'), 'Thank you');
  return (await api(k, 'GET', `/v2/payments/${id}`)).json;
}

const listFlows = [
  ['selectPaypal', 'paypal'],
  ['selectCreditCard', 'creditcard', 'card'],
  ['selectGiropay', 'giropay'],
  ['selectPayLater', 'klarna'],
  ['selectPayNow', 'klarna'],
  ['selectSOFORT', 'sofort'],
  ['selectiDEAL', 'ideal', 'ideal'],
  ['selectEPS', 'eps'],
  ['selectBankTransfer', 'banktransfer'],
  ['selectMyBank', 'mybank'],
  ['selectBancontact', 'bancontact'],
  ['selectP24', 'przelewy24'],
  ['selectBelfius', 'belfius'],
  ['selectSepaDirectDebit', 'directdebit'],
  ['selectIn3', 'in3'],
  ['selectGiftcardBeautyCadeau', 'giftcard'],
];

for (const [action, method, screen] of listFlows) {
  test(`PaymentListScreen.${action} → ${method}, paid`, async () => {
    const k = key();
    if (method === 'sofort' || method === 'giropay') {
      // Discontinued by Mollie, so off on a new profile: the list shows
      // what the Methods API lists, so the merchant enables it first.
      const on = await api(k, 'POST', `/v2/profiles/me/methods/${method}`);
      assert.equal(on.status, 201, JSON.stringify(on.json));
    }
    const p = await payment(k, {});
    assert.match(p._links.checkout.href, /\/checkout\/select-method\//);
    const page = await browser.newPage({ viewport: { width: 600, height: 1100 } });
    await page.goto(p._links.checkout.href);
    if (action === 'selectiDEAL') await shot(page, 'select-method');
    const el = await PaymentListScreen[action](page);
    await click(page, () => el.click());
    if (screen === 'ideal') {
      assert.match(page.url(), /\/checkout\/select-issuer\/ideal\//);
      await click(page, () => IDealScreen.selectING(page).click());
    }
    if (screen === 'card') {
      await CreditCardScreen.enterValidCard(page);
      await CreditCardScreen.submitForm(page);
    }
    const got = await finish(page, k, p.id);
    await page.close();
    assert.equal(got.status, 'paid');
    assert.equal(got.method, method);
  });
}

const idealFlows = [
  ['selectID', 'ideal_BITSNL2A'],
  ['selectName', 'bunq'],
  ['selectName', 'Revolut'],
  ['selectAbnAmro'], ['selectING'], ['selectRabobank'], ['selectASN'], ['selectBunq'],
  ['selectHandelsbanken'], ['selectKnab'], ['selectRegiobank'], ['selectRevolut'],
  ['selectSNS'], ['selectTriodos'], ['selectVanLanschot'],
];

test('IDealScreen: every action picks its bank, then the status page', async () => {
  const page = await browser.newPage({ viewport: { width: 600, height: 1300 } });
  for (const [action, arg] of idealFlows) {
    const k = key();
    const p = await payment(k, { method: 'ideal' });
    assert.match(p._links.checkout.href, /\/checkout\/select-issuer\/ideal\//, 'iDEAL without issuer: the bank list');
    await page.goto(p._links.checkout.href);
    if (action === 'selectING') await shot(page, 'select-issuer-ideal');
    const target = await IDealScreen[action](page, arg);
    await click(page, () => target.click());
    assert.match(page.url(), /\/checkout\/test-mode\//, `${action}(${arg ?? ''})`);
    const got = await finish(page, k, p.id);
    assert.equal(got.status, 'paid', action);
    assert.equal(got.method, 'ideal');
  }
  await page.close();
});

test('KBCScreen: KBC and CBC', async () => {
  const page = await browser.newPage({ viewport: { width: 600, height: 1000 } });
  for (const action of ['selectKBC', 'selectCBC']) {
    const k = key();
    const p = await payment(k, { method: 'kbc' });
    await page.goto(p._links.checkout.href);
    if (action === 'selectKBC') await shot(page, 'select-issuer-kbc');
    await click(page, () => KBCScreen[action](page).click());
    const got = await finish(page, k, p.id);
    assert.equal(got.status, 'paid');
    assert.equal(got.method, 'kbc');
  }
  await page.close();
});

test('GiftCardsScreen: BeautyCadeau', async () => {
  const k = key();
  const p = await payment(k, { method: 'giftcard' });
  const page = await browser.newPage({ viewport: { width: 600, height: 1100 } });
  await page.goto(p._links.checkout.href);
  await shot(page, 'select-issuer-giftcard');
  const el = await GiftCardsScreen.selectBeautyCards(page);
  await click(page, () => el.click());
  const got = await finish(page, k, p.id);
  await page.close();
  assert.equal(got.status, 'paid');
  assert.equal(got.method, 'giftcard');
});

test('CreditCardScreen and CreditCardComponentsAssertion: invalid fields stop the form, valid ones go on', async () => {
  const k = key();
  const p = await payment(k, { method: 'creditcard' });
  assert.match(p._links.checkout.href, /\/checkout\/credit-card\/embedded\//);
  const page = await browser.newPage({ viewport: { width: 600, height: 1000 } });
  await page.goto(p._links.checkout.href);
  await shot(page, 'credit-card');

  await CreditCardScreen.setCardHolder(page, 'X');
  await CreditCardScreen.setCardNumber(page, '4111 1111 1111 1112'); // fails Luhn
  await CreditCardScreen.setExpiryDate(page, '0120'); // January 2020: past
  await CreditCardScreen.setVerificationCode(page, '12');
  await CreditCardComponentsAssertion.assertFormValid(page, false);
  const before = page.url();
  await CreditCardScreen.submitForm(page);
  await page.waitForTimeout(200);
  assert.equal(page.url(), before, 'an invalid card does not submit');
  await shot(page, 'credit-card-invalid');

  await page.reload();
  await CreditCardScreen.enterValidCard(page);
  await CreditCardComponentsAssertion.assertFormValid(page, true);
  for (const f of ['cardHolder', 'cardNumber', 'expiryDate', 'verificationCode']) {
    await CreditCardComponentsAssertion.assertField(page, f, true);
  }
  const expiry = await page.frameLocator('iframe[name="expiryDate-input"]').locator('#expiryDate').inputValue();
  assert.match(expiry, /^12 \/ \d\d$/, 'the expiry keeps MM / YY');
  await click(page, () => CreditCardScreen.submitForm(page));
  assert.match(page.url(), /\/checkout\/test-mode\//);
  const got = await finish(page, k, p.id);
  await page.close();
  assert.equal(got.status, 'paid');
  assert.equal(got.method, 'creditcard');
});

test('PaymentStatusScreen: header, amount, language switch', async () => {
  const k = key();
  const p = await payment(k, { method: 'paypal', amount: { value: '1234.50', currency: 'EUR' } });
  const page = await browser.newPage({ viewport: { width: 600, height: 1000 } });
  await page.goto(p._links.checkout.href);
  await shot(page, 'status');
  assert.equal(await PaymentStatusScreen.getDescription(page).textContent(), 'Order #4711');
  assert.equal(await PaymentStatusScreen.getMerchantName(page).textContent(), 'Sandbox Shop');
  await assertAmount(page, '1234.50');
  await assertAmount(page, '1.234,50'.replace('.', ''));
  assert.equal(await page.locator('.button').count(), 1, 'exactly one .button');
  assert.match(await page.textContent('body'), /Beneficiary/);
  assert.match(await page.textContent('body'), /ready to start processing PayPal payments/);
  for (const [locale, word] of [['de_DE', 'Weiter'], ['nl_NL', 'Doorgaan'], ['fr_FR', 'Continuer'], ['English', 'Continue']]) {
    await click(page, () => PaymentStatusScreen.selectLocale(page, locale));
    assert.match(await page.locator('.button').textContent(), new RegExp(word), locale);
    if (locale === 'de_DE') await shot(page, 'status-de');
  }
  await click(page, () => PaymentStatusScreen.selectLocale(page, 'de_DE'));
  const got = await finish(page, k, p.id, 'paid');
  await page.close();
  assert.equal(got.status, 'paid');
});

const statusFlows = [
  ['open', 'paypal', 'open'],
  ['paid', 'paypal', 'paid'],
  ['pending', 'banktransfer', 'pending'],
  ['authorized', 'klarna', 'authorized'],
  ['failed', 'paypal', 'failed'],
  ['canceled', 'paypal', 'canceled', 'cancelled'],
  ['expired', 'paypal', 'expired'],
];

test('PaymentStatusScreen: each status with a fixed method ends (or keeps) the payment', async () => {
  const page = await browser.newPage();
  for (const [status, method, want, path = 'return'] of statusFlows) {
    const k = key();
    const p = await payment(k, { method });
    await page.goto(p._links.checkout.href);
    const got = await finish(page, k, p.id, status, `${shopUrl}/${path}?order=4711`);
    assert.equal(got.status, want, `${status} with ${method}`);
  }
  await page.close();
});

test('multi-method checkout: Failed and Canceled return to the method list, the payment stays open', async () => {
  const k = key();
  const p = await payment(k, {});
  const page = await browser.newPage({ viewport: { width: 600, height: 1100 } });
  await page.goto(p._links.checkout.href);
  await click(page, async () => (await PaymentListScreen.selectPaypal(page)).click());
  await click(page, () => PaymentStatusScreen.select(page, 'failed'));
  assert.match(page.url(), /\/checkout\/select-method\//);
  assert.match(await page.textContent('.notice'), /failed/);
  await shot(page, 'select-method-after-failed');
  let got = (await api(k, 'GET', `/v2/payments/${p.id}`)).json;
  assert.equal(got.status, 'open');

  // goBack: the "Payment methods" link leads back to the list as well.
  await click(page, async () => (await PaymentListScreen.selectBancontact(page)).click());
  await click(page, () => PaymentStatusScreen.goBack(page));
  assert.match(page.url(), /\/checkout\/select-method\//);

  // (SOFORT is off on a new profile since the catalogue: EPS instead.)
  await click(page, async () => (await PaymentListScreen.selectEPS(page)).click());
  await click(page, () => PaymentStatusScreen.select(page, 'canceled'));
  assert.match(page.url(), /\/checkout\/select-method\//);
  assert.match(await page.textContent('.notice'), /canceled/);
  assert.equal((await api(k, 'GET', `/v2/payments/${p.id}`)).json.status, 'open');

  await click(page, async () => (await PaymentListScreen.selectiDEAL(page)).click());
  await click(page, () => IDealScreen.selectRabobank(page).click());
  got = await finish(page, k, p.id, 'paid');
  await page.close();
  assert.equal(got.status, 'paid');
  assert.equal(got.method, 'ideal');
});

test('expired ends a multi-method payment', async () => {
  const k = key();
  const p = await payment(k, {});
  const page = await browser.newPage();
  await page.goto(p._links.checkout.href);
  await click(page, async () => (await PaymentListScreen.selectEPS(page)).click());
  const got = await finish(page, k, p.id, 'expired');
  await page.close();
  assert.equal(got.status, 'expired');
});

test('the whole way works without JavaScript (outside the card fields)', async () => {
  const k = key();
  const p = await payment(k, {});
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(p._links.checkout.href);
  await click(page, () => page.locator('button[value="kbc"]').click());
  await click(page, () => KBCScreen.selectCBC(page).click());
  const got = await finish(page, k, p.id);
  await context.close();
  assert.equal(got.status, 'paid');
  assert.equal(got.method, 'kbc');
});
