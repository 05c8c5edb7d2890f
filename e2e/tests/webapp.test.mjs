// The public web app, used the way a person would, in Chromium, against the real binary on a
// fresh embedded database. The steps run in order and share what they made (receipt codes,
// the published alert), like one person's afternoon with the site.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { axe, day, fakePushKeys, launch, newPhonePage, screenshot, transferred } from '../lib/browser.mjs';
import { signInThroughForms } from '../lib/moderator.mjs';
import { startExitPage, startFakePushService, startHeadsup } from '../lib/server.mjs';

const MAX_PAGE_BYTES = 30 * 1024;
const CODE = /\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}\b/;

let server;
let exitPage;
let pushService;
let browser;
let base;

// What the steps hand on to each other.
const state = { codes: {}, alertTitle: 'Silver sedan driver robbing workers', phone: '(202) 555-0147', moderation: false };

// newPage opens a page at a phone's width in its own context, watched for other origins and
// CSP violations; done() asserts nothing of the kind happened and closes the context.
function newPage(options = {}) {
  return newPhonePage(browser, base, { allow: [exitPage.url], ...options });
}

async function expectNoAxeViolations(page, what) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe found serious or critical problems on ${what}`);
}

// openSections opens the form's optional sections by tapping their titles, as a reporter
// who wants to add more does.
async function openSections(page) {
  const closed = page.locator('details.more:not([open]) > summary');
  while (await closed.count() > 0) await closed.first().click();
}

// fillBadDate fills the bad-date form the way a reporter would.
async function fillBadDate(page, { area, details, phone }) {
  await page.fill('#f-date', day(-2));
  await page.selectOption('#f-time_band', 'night');
  await page.selectOption('#f-area', area);
  await page.fill('#f-details', details);
  await page.check('#f-harms-robbery_theft');
  await page.check('#f-harms-weapon_threats');
  await openSections(page);
  await page.selectOption('#f-contact', 'online_ad');
  if (phone) await page.fill('#f-phones', phone);
  await page.fill('#f-vehicle_colour', 'silver');
  await page.fill('#f-plate', 'DC 4821');
}

// waitForProof waits until the Web Worker has solved the proof of work.
async function waitForProof(page) {
  await page.waitForFunction(() => document.querySelector('input[name="altcha"]').value.length > 50, null, { timeout: 30_000 });
}

async function receiptCode(page) {
  const code = (await page.textContent('#receipt-code')).trim();
  assert.match(code, CODE);
  assert.ok(!page.url().includes(code.slice(0, 4)), 'the receipt code is not in the URL');
  return code;
}

async function lookUp(page, code, lang = '') {
  await page.goto(`${base}/receipt${lang}`);
  await page.fill('#f-code', code);
  await Promise.all([page.waitForLoadState('load'), page.click('form button[type="submit"]')]);
}

before(async () => {
  exitPage = await startExitPage();
  pushService = await startFakePushService();
  server = await startHeadsup({
    HEADSUP_EXIT_URL: `${exitPage.url}/exit`,
    HEADSUP_SITE_NAME: 'Heads Up',
    HEADSUP_PUSH_INSECURE_HOSTS: pushService.host,
  });
  base = server.url;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await exitPage?.stop();
  await pushService?.stop();
});

describe('public web app', () => {
  it('every page passes axe, weighs at most 30 KB and loads nothing from elsewhere', async () => {
    // A first visit with no service worker: what a cheap phone pays on a bad connection.
    const pages = [
      ['home', '/'], ['report-bad-date', '/report/bad-date'], ['report-bad-batch', '/report/bad-batch'],
      ['receipt', '/receipt'], ['alerts', '/alerts'], ['sheet', '/sheet'], ['check', '/check'],
      ['subscribe', '/subscribe'], ['about', '/about'], ['not-found', '/no-such-page'],
      ['home-es', '/?lang=es'], ['report-bad-date-es', '/report/bad-date?lang=es'], ['about-es', '/about?lang=es'],
    ];
    const { page, done } = await newPage({ serviceWorkers: 'block', viewport: { width: 320, height: 640 } });
    const sizes = [];
    for (const [name, path] of pages) {
      const { bytes, files, status } = await transferred(page, base + path);
      assert.equal(status, name === 'not-found' ? 404 : 200, path);
      sizes.push(`${path} ${bytes} B`);
      assert.ok(bytes <= MAX_PAGE_BYTES, `${path} transferred ${bytes} bytes (max ${MAX_PAGE_BYTES}):\n${files.join('\n')}`);
      assert.equal(await page.getAttribute('html', 'lang'), path.includes('lang=es') ? 'es' : 'en');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(overflow <= 320, `${path} is ${overflow} px wide at 320 px`);
      assert.ok(await page.isVisible('#quick-exit'), `${path} has a visible quick exit`);
      const cookies = await page.context().cookies();
      assert.deepEqual(cookies, [], `${path} set no cookie`);
      await expectNoAxeViolations(page, path);
      await screenshot(page, name);
    }
    console.log(`page weights: ${sizes.join(', ')}`);
    await done();
  });

  it('reports a bad date with JavaScript on, after fixing an error', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/report/bad-date`);
    // Sending an empty form: the summary at the top takes focus and lists what to fix.
    await waitForProof(page);
    await page.fill('#f-details', 'He pulled a knife and took the money back.');
    await Promise.all([page.waitForSelector('#error-summary'), page.click('button[type="submit"]')]);
    // The script moves focus right after it renders the summary; on a loaded machine that is a
    // moment later than the summary appearing.
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'error-summary', null, { timeout: 5_000 })
      .catch(() => {});
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'error-summary');
    assert.match(await page.textContent('#error-summary'), /Date: Enter the date it happened/);
    assert.match(await page.textContent('#f-date-error'), /Enter the date it happened/);
    assert.equal(await page.inputValue('#f-details'), 'He pulled a knife and took the money back.');
    await expectNoAxeViolations(page, 'the form with errors');
    await screenshot(page, 'report-errors');

    await fillBadDate(page, { area: 'ward-6', details: 'He pulled a knife and took the money back. Silver sedan.', phone: state.phone });
    await waitForProof(page);
    await Promise.all([page.waitForSelector('#receipt-code'), page.click('button[type="submit"]')]);
    state.codes.badDate = await receiptCode(page);
    assert.match(await page.textContent('h1'), /Your report was sent/);
    assert.ok(await page.isVisible('button.copy'), 'the copy button shows with JavaScript on');
    await expectNoAxeViolations(page, 'the receipt');
    await screenshot(page, 'receipt-new');
    await done();
  });

  it('reports a bad batch with JavaScript on', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/report/bad-batch`);
    await page.fill('#f-date', day(-1));
    await page.selectOption('#f-area', 'ward-1');
    await page.fill('#f-details', 'Blue pills stamped M30. Two people went down within minutes.');
    await page.selectOption('#f-sold_as', 'pressed_oxy');
    await openSections(page);
    await page.fill('#f-colour', 'light blue');
    await page.check('#f-effects-overdose');
    await page.check('#f-effects-multiple_naloxone');
    await page.selectOption('#f-fentanyl_strip', 'positive');
    await waitForProof(page);
    await Promise.all([page.waitForSelector('#receipt-code'), page.click('button[type="submit"]')]);
    state.codes.badBatch = await receiptCode(page);
    await done();
  });

  it('reports with JavaScript off: errors and kept values come from the server', async () => {
    const { page, done } = await newPage({ javaScriptEnabled: false });
    await page.goto(`${base}/report/bad-date`);
    await page.selectOption('#f-area', 'ward-3');
    await page.fill('#f-details', 'Refused to pay, then followed me.');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
    assert.match(await page.textContent('#error-summary'), /There is a problem/);
    assert.match(await page.textContent('#f-harms-error'), /Choose what happened/);
    assert.equal(await page.inputValue('#f-details'), 'Refused to pay, then followed me.');
    assert.equal(await page.inputValue('#f-area'), 'ward-3');
    await screenshot(page, 'report-errors-no-js');

    await page.fill('#f-date', day(-3));
    await page.check('#f-harms-refused_to_pay');
    await page.check('#f-harms-stalking_harassment');
    await Promise.all([page.waitForSelector('#receipt-code'), page.click('button[type="submit"]')]);
    state.codes.noJS = await receiptCode(page);
    assert.equal(await page.getAttribute('button.copy', 'hidden'), '', 'the copy button stays hidden without JavaScript');
    await screenshot(page, 'receipt-new-no-js');
    await done();
  });

  it('looks up a receipt, adds information, and withdraws with a confirmation', async () => {
    const { page, done } = await newPage();
    await lookUp(page, state.codes.badDate.toLowerCase().replaceAll('-', ' '));
    assert.match(await page.textContent('.status'), /Waiting for review/);
    await page.fill('#f-text', 'He also uses the name "Rick".');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action^="/receipt/add"] button')]);
    assert.match(await page.textContent('.notice'), /Your information was added/);
    await expectNoAxeViolations(page, 'the receipt status');
    await screenshot(page, 'receipt-status');

    // Withdrawing asks first; only the confirmation deletes.
    await lookUp(page, state.codes.noJS);
    await Promise.all([page.waitForLoadState('load'), page.click('form[action^="/receipt/withdraw"] button')]);
    assert.match(await page.textContent('h1'), /Withdraw your report\?/);
    await expectNoAxeViolations(page, 'the withdraw confirmation');
    await screenshot(page, 'withdraw-confirm');
    await Promise.all([page.waitForLoadState('load'), page.click('button.danger')]);
    assert.match(await page.textContent('.notice'), /withdrawn/);
    await lookUp(page, state.codes.noJS);
    assert.match(await page.textContent('#f-code-error'), /No report has this code/);
    assert.ok(!page.url().includes('code'), 'no code in the URL');
    await done();
  });

  it('a moderator created on the command line approves one report and rejects one', async () => {
    const probe = await fetch(`${base}/moderation/login`);
    assert.equal(probe.status, 200, 'the moderation sign-in page answers');
    const { page, done } = await newPage({ viewport: { width: 1024, height: 900 } });
    await signInThroughForms(page, server, 'e2eadmin', 'admin');
    await screenshot(page, 'moderation-queue');

    // Approve the bad date from ward 6, making its phone number checkable and public.
    const badDateRow = page.locator('tr', { hasText: /ward-6|Ward 6/ }).first();
    await Promise.all([page.waitForURL(/\/moderation\/reports\//), badDateRow.locator('button').click()]);
    await page.fill('#title-en', state.alertTitle);
    await page.fill('#body-en', 'Pays, then pulls a knife and takes the money back. Drives a silver sedan.');
    await page.check('input[name="severity"][value="danger"]');
    await page.check('input[name="areas"][value="ward-6"]');
    const phoneBoxes = page.locator('tr', { hasText: '555' });
    await phoneBoxes.locator('input[name="check"]').first().check();
    await phoneBoxes.locator('input[name="public"]').first().check();
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/approve"] button[type="submit"]')]);
    await screenshot(page, 'moderation-approved');

    // Reject the bad batch from ward 1 with a note the reporter reads.
    await page.goto(`${base}/moderation/queue`);
    const batchRow = page.locator('tr', { hasText: /ward-1\b|Ward 1\b/ }).first();
    await Promise.all([page.waitForURL(/\/moderation\/reports\//), batchRow.locator('button').click()]);
    await page.locator('input[name="reason"]').first().check();
    await page.fill('#note', 'We could not confirm this one yet. Thank you for telling us.');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/reject"] button[type="submit"]')]);
    state.moderation = true;
    await done();
  });

  it('the alert is on the home page, the list, the feed and the sheet; the receipts say so', async () => {
    // A failed moderation step is this test's failure too, never a skip.
    assert.ok(state.moderation, 'the moderation step before this one did not complete');
    const { page, context, done } = await newPage();
    await page.goto(base);
    assert.match(await page.textContent('main'), new RegExp(state.alertTitle));
    await screenshot(page, 'home-with-alert');

    await page.goto(`${base}/alerts?area=ward-6`);
    await page.click(`text=${state.alertTitle}`);
    assert.match(await page.textContent('main'), /Danger/);
    assert.match(await page.textContent('main'), /\+1 202-555-0147/);
    await expectNoAxeViolations(page, 'the alert page');
    await screenshot(page, 'alert');

    const feed = await context.request.get(`${base}/alerts.atom`);
    assert.equal(feed.status(), 200);
    assert.match(feed.headers()['content-type'], /application\/atom\+xml/);
    assert.match(await feed.text(), new RegExp(`<title>${state.alertTitle}</title>`));

    // The moderator wrote the English title and text only: the Spanish sheet shows the title
    // generated in Spanish and says the text is in English.
    await page.goto(`${base}/sheet?lang=es`);
    const sheet = await page.textContent('.sheet');
    assert.match(sheet, /Mal cliente/);
    assert.match(sheet, /Escrito en inglés/);
    assert.match(sheet, /pulls a knife/);
    assert.match(await page.textContent('.printed'), /Impresa el/);
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.isHidden('#quick-exit'), 'the print stylesheet hides the page chrome');
    await screenshot(page, 'sheet-print-es');
    await page.emulateMedia({ media: 'screen' });

    await lookUp(page, state.codes.badDate);
    assert.match(await page.textContent('.status'), /Published as an alert/);
    await page.click('text=See the alert');
    assert.match(await page.textContent('h1'), new RegExp(state.alertTitle));
    await lookUp(page, state.codes.badBatch);
    assert.match(await page.textContent('.status'), /Not published/);
    assert.match(await page.textContent('.note'), /could not confirm/);
    await screenshot(page, 'receipt-rejected');
    await done();
  });

  it('the check page finds the phone number, however it is written', async () => {
    // A failed moderation step is this test's failure too, never a skip.
    assert.ok(state.moderation, 'the moderation step before this one did not complete');
    const { page, done } = await newPage();
    await page.goto(`${base}/check`);
    await page.check('#f-type-phone');
    await page.fill('#f-value', '+1 202.555.0147');
    await Promise.all([page.waitForLoadState('load'), page.click('main form button[type="submit"]')]);
    assert.match(await page.textContent('.results'), /Alerts that name this: 1/);
    assert.match(await page.textContent('.results'), new RegExp(state.alertTitle));
    await expectNoAxeViolations(page, 'the check results');
    await screenshot(page, 'check-found');
    await page.fill('#f-value', '202 555 0000');
    await Promise.all([page.waitForLoadState('load'), page.click('main form button[type="submit"]')]);
    assert.match(await page.textContent('.results'), /No published alert names this/);
    await done();
  });

  it('subscribes to pushes, shows a pushed alert, and opens the alert list offline', async () => {
    const { page, context, done } = await newPage();
    await context.grantPermissions(['notifications'], { origin: base });
    // Chromium here cannot reach a real push service, so PushManager.subscribe is replaced by
    // one that returns a subscription with real P-256 keys and an endpoint on the local fake
    // push service. Everything after it is real: the page's POST to the API, the service
    // worker, and the push delivered through the DevTools Protocol.
    const keys = fakePushKeys();
    const endpoint = `${pushService.url}/push/e2e-${Date.now()}`;
    await context.addInitScript(({ endpoint, keys }) => {
      if (!self.PushManager) return;
      let current = null;
      PushManager.prototype.subscribe = async function subscribe(options) {
        current = {
          endpoint, expirationTime: null, options,
          toJSON() { return { endpoint, expirationTime: null, keys }; },
          async unsubscribe() { current = null; return true; },
        };
        return current;
      };
      PushManager.prototype.getSubscription = async function getSubscription() { return current; };
    }, { endpoint, keys });

    await page.goto(`${base}/subscribe`);
    await page.waitForSelector('#subscribe-form:not([hidden])');
    // The page subscribes with the server's VAPID key: a P-256 public key, as in /api/v1/meta.
    const vapid = await page.getAttribute('#subscribe-form', 'data-vapid');
    assert.equal(Buffer.from(vapid, 'base64url').length, 65, `VAPID key on the page: ${vapid}`);
    const meta = await (await context.request.get(`${base}/api/v1/meta`)).json();
    assert.equal(vapid, meta.vapid_public_key);
    await expectNoAxeViolations(page, 'the subscribe form');
    await page.check('#f-sev-info');
    const created = page.waitForResponse((r) => r.url() === `${base}/api/v1/subscriptions` && r.request().method() === 'POST');
    await page.click('#sub-start');
    const res = await created;
    assert.equal(res.status(), 201, await res.text());
    await page.waitForFunction(() => !document.getElementById('sub-stop').hidden);
    assert.match(await page.textContent('#sub-status'), /Done/);
    await screenshot(page, 'subscribed');
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('headsup.subscription')));
    assert.ok(saved.id && saved.token, 'id and token kept in this browser');
    // The server has it: the token the page kept is accepted for a change.
    const put = await context.request.put(`${base}/api/v1/subscriptions/${saved.id}`, {
      headers: { Authorization: `Bearer ${saved.token}` },
      data: { kinds: ['bad_date', 'drug_alert'], areas: ['ward-6'], min_severity: 'info', discreet: true, lang: 'en' },
    });
    assert.equal(put.status(), 200, await put.text());

    // A push delivered to the service worker shows a notification and tells the page.
    const cdp = await context.newCDPSession(page);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    await page.evaluate(async () => {
      window.__shown = [];
      navigator.serviceWorker.addEventListener('message', (e) => window.__shown.push(e.data));
      await navigator.serviceWorker.ready;
    });
    // The DevTools events arrive on their own schedule after enable: wait for ours.
    let reg;
    for (let waited = 0; !reg && waited < 10_000; waited += 100) {
      reg = registrations.find((r) => r.scopeURL === `${base}/` && !r.isDeleted);
      if (!reg) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(reg, `a service worker registration for ${base}/: ${JSON.stringify(registrations)}`);
    const payload = { id: 'AAAAAAAAAAAAAAAAAAAAAA', kind: 'bad_date', severity: 'danger', title: 'E2E pushed alert', body: 'Check the list before you go out.', url: `${base}/alerts/AAAAAAAAAAAAAAAAAAAAAA` };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: reg.registrationId, data: JSON.stringify(payload) });
    await page.waitForFunction(() => window.__shown.length > 0, null, { timeout: 10_000 });
    const shown = await page.evaluate(() => window.__shown[0]);
    assert.equal(shown.title, payload.title);
    assert.equal(shown.body, payload.body);
    assert.equal(shown.url, payload.url);
    const notes = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag })));
    assert.deepEqual(notes, [{ title: payload.title, body: payload.body, tag: payload.id }]);

    // Offline: the list opens from the service worker's copy and says so.
    await page.goto(`${base}/alerts`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.reload(); // fetched through the worker, which keeps the copy
    const cachedAt = await page.getAttribute('.updated time', 'datetime');
    await new Promise((r) => setTimeout(r, 1100)); // a fresh render would show a later second
    await context.setOffline(true);
    await page.goto(`${base}/alerts`);
    assert.equal(await page.getAttribute('.updated time', 'datetime'), cachedAt, 'the list is the copy kept by the service worker');
    assert.ok(await page.isVisible('#offline-note'), 'the page says it is the offline copy');
    assert.match(await page.textContent('.updated'), /Last updated/);
    if (state.moderation) assert.match(await page.textContent('main'), new RegExp(state.alertTitle));
    await screenshot(page, 'alerts-offline');
    await context.setOffline(false);

    // Stopping deletes the subscription on the server.
    await page.goto(`${base}/subscribe`);
    await page.click('#sub-stop');
    await page.waitForFunction(() => !document.getElementById('sub-start').hidden);
    const gone = await context.request.put(`${base}/api/v1/subscriptions/${saved.id}`, {
      headers: { Authorization: `Bearer ${saved.token}` },
      data: { kinds: ['bad_date'], areas: ['ward-6'], min_severity: 'info', discreet: true, lang: 'en' },
    });
    assert.ok([401, 404].includes(gone.status()), `after stopping, the subscription is gone (${gone.status()})`);
    await done();
  });

  it('quick exit: the button, Escape twice, and without JavaScript', async () => {
    const exitURL = `${exitPage.url}/exit`;
    const { page, done } = await newPage();
    await page.goto(`${base}/alerts`);
    await page.goto(`${base}/about`);
    await Promise.all([page.waitForURL(exitURL), page.click('#quick-exit')]);
    await page.goBack().catch(() => null);
    // The exit went back to the earliest page of the site in this tab and replaced it.
    assert.ok(!page.url().startsWith(base), `Back after the exit returned to ${page.url()}`);

    await page.goto(`${base}/report/bad-date`);
    await page.fill('#f-details', 'typing…');
    await page.keyboard.press('Escape');
    await Promise.all([page.waitForURL(exitURL), page.keyboard.press('Escape')]);
    assert.match(await page.title(), /Weather/);
    await done();

    const noJS = await newPage({ javaScriptEnabled: false });
    await noJS.page.goto(`${base}/check`);
    await Promise.all([noJS.page.waitForURL(exitURL), noJS.page.click('#quick-exit')]);
    await noJS.done();
  });

  it('the report flow in Spanish, and the language choice is remembered without a cookie', async () => {
    const { page, context, done } = await newPage({ locale: 'en-US' });
    await page.goto(base);
    await Promise.all([page.waitForURL(`${base}/?lang=es`), page.click('a[data-lang="es"]')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    // Next visit without ?lang: the remembered choice wins over Accept-Language.
    await page.goto(`${base}/report/bad-batch`);
    await page.waitForURL(`${base}/report/bad-batch?lang=es`);
    assert.match(await page.textContent('h1'), /Reportar un lote adulterado/);
    assert.deepEqual(await context.cookies(), []);

    await page.fill('#f-date', day(0));
    await page.selectOption('#f-area', 'ward-8');
    await page.fill('#f-details', 'Cristal que no era cristal. Mucha gente sin dormir tres días.');
    await page.selectOption('#f-sold_as', 'meth');
    await openSections(page);
    await page.check('#f-effects-stimulant_effect');
    await page.check('#f-routes-smoked');
    await waitForProof(page);
    await Promise.all([page.waitForSelector('#receipt-code'), page.click('button[type="submit"]')]);
    assert.match(await page.textContent('h1'), /Tu reporte fue enviado/);
    const code = await receiptCode(page);
    await expectNoAxeViolations(page, 'the Spanish receipt');
    await screenshot(page, 'receipt-new-es');

    await lookUp(page, code, '?lang=es');
    assert.match(await page.textContent('.status'), /En revisión/);
    await screenshot(page, 'receipt-status-es');
    await done();
  });
});
