// The QA console's behaviour: keeps the account's key in this tab only
// (sessionStorage) and sends it as a header, loads each panel as HTML the
// sandbox rendered (and escaped), sends the buttons' requests to the
// sandbox's own API, and polls the journal while it is shown. No library,
// no build step: served by the sandbox binary as is.
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const store = window.sessionStorage;
  let account = JSON.parse(store.getItem('sandbox.account') || 'null');
  let admin = store.getItem('sandbox.admin') || '';
  let poll = null;

  function mask(key) {
    const i = key.indexOf('_') + 1;
    const rest = key.slice(i);
    return rest.length < 12 ? key.slice(0, i) + '…' : key.slice(0, i + 3) + '…' + rest.slice(-4);
  }

  function headers(extra = {}) {
    const h = { ...extra };
    if (account && account.key) h.authorization = 'Bearer ' + account.key;
    else if (account && account.ref) {
      h['x-sandbox-account'] = account.ref;
      if (admin) h.authorization = 'Bearer ' + admin;
    }
    return h;
  }

  function call(method, path, body) {
    const extra = body === undefined ? {} : { 'content-type': 'application/json' };
    return fetch(path, { method, headers: headers(extra), body, cache: 'no-store' });
  }

  async function problem(res) {
    try {
      const j = await res.json();
      return `${j.status} ${j.title}: ${j.detail}`;
    } catch {
      return `${res.status} ${res.statusText}`;
    }
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function showAccount() {
    const on = !!account;
    $('#login').hidden = on;
    $('#nav').hidden = !on;
    $('#who').hidden = !on;
    if (on) $('#who-key').textContent = account.label;
  }

  async function loadAccounts() {
    const res = await fetch('/_sandbox/console/accounts', {
      headers: admin ? { authorization: 'Bearer ' + admin } : {},
      cache: 'no-store',
    });
    const list = $('#accounts-list');
    if (res.status === 401) {
      $('#admin-form').hidden = false;
      list.textContent = admin ? 'That is not the sandbox\'s admin token.' : '';
      return;
    }
    if (!res.ok) return;
    $('#admin-form').hidden = true;
    list.innerHTML = await res.text();
  }

  function current() {
    const hash = location.hash.replace(/^#\/?/, '') || 'payments';
    const at = hash.indexOf('?');
    return at < 0 ? { path: hash, query: '' } : { path: hash.slice(0, at), query: hash.slice(at + 1) };
  }

  function stopPoll() {
    if (poll) clearInterval(poll);
    poll = null;
  }

  async function render(focus) {
    stopPoll();
    showAccount();
    if (!account) {
      $('#panel').replaceChildren();
      await loadAccounts();
      return;
    }
    const { path, query } = current();
    for (const a of document.querySelectorAll('#nav a')) {
      if (path === a.dataset.nav || path.startsWith(a.dataset.nav + '/')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const url = `/_sandbox/console/${path}${query ? '?' + query : ''}`;
    const res = await call('GET', url);
    const panel = $('#panel');
    if (!res.ok) {
      panel.replaceChildren(el('p', await problem(res), 'error'));
      return;
    }
    const html = await res.text();
    panel.innerHTML = html;
    if (focus) panel.focus();
    if (path === 'journal') startPoll(query);
    else if (path !== 'account') startRefresh(url, html);
  }

  // Tables and pages follow what the app does, every two seconds, unless
  // the tester is in the middle of something there (focus, an open entry).
  function startRefresh(url, shown) {
    let last = shown;
    const timer = setInterval(async () => {
      const panel = $('#panel');
      const busy = () => document.hidden
        || (panel.contains(document.activeElement) && document.activeElement !== panel)
        || panel.querySelector('details[open]');
      if (busy()) return;
      const res = await call('GET', url);
      if (!res.ok || poll !== timer) return;
      const html = await res.text();
      if (html !== last && !busy()) {
        panel.innerHTML = html;
        last = html;
      }
    }, 2000);
    poll = timer;
  }

  function startPoll(query) {
    poll = setInterval(async () => {
      const body = $('#journal-rows');
      if (!body) return stopPoll();
      const params = new URLSearchParams(query);
      params.set('after', body.dataset.after);
      const res = await call('GET', '/_sandbox/console/journal/rows?' + params);
      if (!res.ok) return;
      const tpl = document.createElement('template');
      tpl.innerHTML = '<table><tbody>' + (await res.text()) + '</tbody></table>';
      const rows = [...tpl.content.querySelectorAll('tr')];
      if (rows.length && $('#journal-rows') === body) {
        body.dataset.after = rows[0].dataset.id;
        body.prepend(...rows);
      }
    }, 1000);
  }

  function curl(method, path, body) {
    const who = account && account.ref
      ? `-H "X-Sandbox-Account: ${account.ref}"` + (admin ? ' -H "Authorization: Bearer $SANDBOX_ADMIN_TOKEN"' : '')
      : '-H "Authorization: Bearer $MOLLIE_API_KEY"';
    let text = `curl -X ${method} '${location.origin}${path}' ${who}`;
    if (body !== undefined) {
      text += ` -H 'Content-Type: application/json' -d '${body.replace(/'/g, "'\\''")}'`;
    }
    return text;
  }

  // An answer as a short list of its fields (the clock's summary of an
  // advance: events fired by kind, payments created, webhooks sent).
  function summary(json) {
    const dl = el('dl', undefined, 'facts summary');
    const shown = (v) => (v && typeof v === 'object')
      ? (Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(', ') || 'none')
      : String(v);
    for (const [k, v] of Object.entries(json)) {
      const div = el('div');
      div.append(el('dt', k), el('dd', shown(v)));
      dl.append(div);
    }
    return dl;
  }

  async function show(method, path, body, res, asSummary) {
    const box = $('#result');
    let text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
      text = JSON.stringify(json, null, 2);
    } catch {
      /* not JSON: as it came */
    }
    if (text.length > 4000) text = text.slice(0, 4000) + '\n…';
    const head = el('p');
    head.append(el('strong', `${method} ${path}`), ` → `, el('span', String(res.status), res.ok ? 'chip chip-good' : 'chip chip-bad'));
    const details = el('details');
    details.append(el('summary', 'Answer and curl'), el('pre', text), el('pre', curl(method, path, body)));
    const close = el('button', 'Dismiss', 'dismiss');
    close.type = 'button';
    if (asSummary && res.ok && json && typeof json === 'object') {
      box.replaceChildren(head, el('h2', 'What the advance did'), summary(json), details, close);
    } else {
      box.replaceChildren(head, details, close);
    }
    box.dataset.status = String(res.status);
  }

  function clearResult() {
    const box = $('#result');
    box.replaceChildren();
    delete box.dataset.status;
  }

  async function act(button, filled) {
    const { method, path, confirm: question } = button.dataset;
    const body = filled === undefined ? button.dataset.body : filled;
    if (question && !window.confirm(question)) return;
    clearResult();
    button.disabled = true;
    try {
      const res = await call(method, path, body);
      await show(method, path, body, res, !!button.dataset.summary);
    } finally {
      button.disabled = false;
    }
    await render(false);
  }

  // A button with fields: each typed value goes into the body at its
  // input's `data-field` (a dotted path such as `amount.value`). An
  // optional field left empty stays out of the body, with the object it
  // would have made (both reason fields empty: a chargeback without one).
  function filledBody(form) {
    const body = JSON.parse(form.dataset.body || '{}');
    for (const input of form.querySelectorAll('input[data-field]')) {
      const value = input.value.trim();
      if (!value && !input.required) continue;
      const keys = input.dataset.field.split('.');
      let at = body;
      for (const k of keys.slice(0, -1)) at = (at[k] = at[k] || {});
      at[keys[keys.length - 1]] = value;
    }
    return JSON.stringify(body);
  }

  async function download(button) {
    const res = await call('GET', button.dataset.path);
    if (!res.ok) return show('GET', button.dataset.path, undefined, res);
    const url = URL.createObjectURL(await res.blob());
    const a = el('a');
    a.href = url;
    a.download = 'sandbox-state.json';
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  }

  async function upload(input) {
    const file = input.files && input.files[0];
    if (!file) return;
    clearResult();
    const body = await file.text();
    const res = await call('PUT', input.dataset.path, body);
    await show('PUT', input.dataset.path, '@' + file.name, res);
    await render(false);
  }

  document.addEventListener('click', (e) => {
    // A link to the route already shown reloads it (no hashchange fires).
    const link = e.target.closest('a[href^="#/"]');
    if (link && link.getAttribute('href') === location.hash) {
      e.preventDefault();
      render(true);
      return;
    }
    const t = e.target.closest('button');
    if (!t) return;
    if (t.classList.contains('action')) act(t);
    else if (t.classList.contains('download')) download(t);
    else if (t.classList.contains('dismiss')) clearResult();
    else if (t.classList.contains('pick')) {
      account = { ref: t.dataset.ref, label: t.dataset.label };
      store.setItem('sandbox.account', JSON.stringify(account));
      location.hash = '#/payments';
      render(true);
    } else if (t.id === 'switch') {
      account = null;
      store.removeItem('sandbox.account');
      clearResult();
      render(false).then(() => $('#key').focus());
    }
  });

  document.addEventListener('change', (e) => {
    if (e.target.matches('input[type=file][data-path]')) upload(e.target);
  });

  document.addEventListener('submit', (e) => {
    const form = e.target;
    e.preventDefault();
    if (form.classList.contains('act-form')) {
      act(form, filledBody(form));
    } else if (form.id === 'key-form') {
      const key = $('#key').value.trim();
      if (!key) return;
      account = { key, label: mask(key) };
      store.setItem('sandbox.account', JSON.stringify(account));
      $('#key').value = '';
      if (!location.hash) location.hash = '#/payments';
      render(true);
    } else if (form.id === 'admin-form') {
      admin = $('#admin').value.trim();
      store.setItem('sandbox.admin', admin);
      loadAccounts();
    } else if (form.dataset.route) {
      const params = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) params.set(k, String(v).trim());
      const q = params.toString();
      location.hash = `#/${form.dataset.route}${q ? '?' + q : ''}`;
    }
  });

  // A journal entry's bodies, when it is opened (toggle does not bubble).
  document.addEventListener('toggle', async (e) => {
    const d = e.target;
    if (!(d instanceof HTMLDetailsElement) || !d.open || !d.dataset.entry || d.dataset.loaded) return;
    d.dataset.loaded = '1';
    const res = await call('GET', `/_sandbox/console/journal/${encodeURIComponent(d.dataset.entry)}`);
    const box = $('.bodies', d);
    if (res.ok) box.innerHTML = await res.text();
    else box.replaceChildren(el('p', await problem(res), 'error'));
  }, true);

  window.addEventListener('hashchange', () => render(true));
  render(false);
})();
