// Limits that are kind to real people, in Chromium against the real binary: five people on one
// connection (a drop-in centre's wifi) each send a report with the page's proof of work and all
// get through; a report sent with JavaScript off that meets the per-address limit comes back
// with what was typed and when to send it; and an outreach worker, whose account is made with
// `headsup moderator add --role outreach`, files a report for someone with no proof at all,
// which moderators see marked as entered by staff.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { axe, day, launch, newPhonePage, screenshot } from '../lib/browser.mjs';
import { signInThroughForms } from '../lib/moderator.mjs';
import { startHeadsup } from '../lib/server.mjs';

const MAX_PAGE_BYTES = 30 * 1024;

let server;
let browser;
let base;

// newPage opens a phone-sized page in its own context, watched for other origins, CSP
// violations and script errors.
function newPage(options = {}) {
  return newPhonePage(browser, base, options);
}

// fillEssentials answers the questions every bad-date report needs.
async function fillEssentials(page, details) {
  await page.fill('#f-date', day(-1));
  await page.selectOption('#f-area', 'ward-6');
  await page.fill('#f-details', details);
  await page.check('#f-harms-robbery_theft');
}

// signIn creates an account on the command line and signs it in through the forms.
async function signIn(name, role, landing) {
  const s = await newPage({ viewport: { width: 1024, height: 900 } });
  await signInThroughForms(s.page, server, name, role, landing);
  return s;
}

before(async () => {
  // The production limits: reports without a proof, 3 an hour with a burst of 2 per address.
  server = await startHeadsup({ HEADSUP_SITE_NAME: 'Heads Up' });
  base = server.url;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('limits for real people', { timeout: 180_000 }, () => {
  it('five reports with proofs of work from one address are all accepted', async () => {
    const { page, done } = await newPage();
    for (let i = 1; i <= 5; i++) {
      await page.goto(`${base}/report/bad-date`);
      await fillEssentials(page, `Report ${i} from the drop-in centre: he took the money back.`);
      await page.waitForFunction(() => document.querySelector('input[name="altcha"]').value.length > 50, null, { timeout: 30_000 });
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/report/bad-date') && r.request().method() === 'POST'),
        page.click('button[type="submit"]'),
      ]);
      assert.equal(res.status(), 200, `report ${i} with a proof`);
      assert.ok((await page.textContent('#receipt-code')).trim().length >= 12, `report ${i} got a receipt code`);
    }
    await done();
  });

  it('a limited report sent with JavaScript off keeps what was typed and says when to send', async () => {
    const { page, done } = await newPage({ javaScriptEnabled: false });
    const send = async (path, details) => {
      await page.goto(`${base}${path}`);
      await fillEssentials(page, details);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.click('button[type="submit"]'),
      ]);
      await page.waitForLoadState('load');
      return res;
    };
    // The address's allowance without a proof: two at once.
    for (let i = 1; i <= 2; i++) {
      const res = await send('/report/bad-date', `Sent without JavaScript, number ${i}.`);
      assert.equal(res.status(), 200, `report ${i} without a proof`);
    }
    const typed = 'Grey van by the laundromat, said his name was Rick, took my bag and phone.';
    const res = await send('/report/bad-date', typed);
    assert.equal(res.status(), 429, 'the third report without a proof is limited');
    const wait = Number(res.headers()['retry-after']);
    assert.ok(wait > 60 && wait <= 3600, `Retry-After ${res.headers()['retry-after']}`);
    assert.equal(await page.inputValue('#f-details'), typed, 'what was typed is still in the form');
    assert.equal(await page.inputValue('#f-area'), 'ward-6');
    assert.ok(await page.isChecked('#f-harms-robbery_theft'));
    const summary = await page.textContent('#error-summary');
    assert.match(summary, /Everything you wrote is still here/);
    assert.match(summary, /send it again in about (\d+ minutes|an hour)/);
    assert.match(summary, /If it cannot wait/);
    assert.ok(Buffer.byteLength(await page.content()) <= MAX_PAGE_BYTES, 'the limited form stays light');
    await screenshot(page, 'limits-limited-form');
    await done();

    // In Spanish, from a browser whose script did not get to solve the proof (it sends the
    // form as it is); axe needs JavaScript, so it checks this one.
    const es = await newPage({ locale: 'es-MX' });
    await es.page.goto(`${base}/report/bad-date?lang=es`);
    await fillEssentials(es.page, typed);
    const [r] = await Promise.all([
      es.page.waitForResponse((x) => x.request().method() === 'POST'),
      es.page.evaluate(() => {
        const f = document.querySelector('form[data-pow]');
        f.elements.altcha.value = '';
        f.submit(); // not a submit event: the script's wait for its proof is skipped
      }),
    ]);
    await es.page.waitForLoadState('load');
    assert.equal(r.status(), 429);
    assert.match(await es.page.textContent('#error-summary'), /Todo lo que escribiste sigue aquí.*envíalo de nuevo (en unos \d+ minutos|en más o menos una hora)/s);
    assert.equal(await es.page.inputValue('#f-details'), typed);
    assert.deepEqual(await axe(es.page), [], 'axe on the limited form');
    await es.done();
  });

  it('an outreach account files a report without a proof, marked as entered by staff', async () => {
    const staff = await signIn('tablet-one', 'outreach', /\/moderation\/outreach$/);
    const { page } = staff;
    assert.equal(await page.locator('a[href="/moderation/queue"]').count(), 0, 'no queue in the outreach navigation');
    await page.click('a[href="/moderation/outreach?kind=bad_date"]');
    await page.fill('#f-date', day(-1));
    await page.selectOption('#f-area', 'ward-7');
    const details = 'Filed at the van: a man in a red pickup refused to pay and threatened her.';
    await page.fill('#f-details', details);
    await page.check('#f-harms-robbery_theft');
    assert.equal(await page.locator('input[name="altcha"]').count(), 0, 'the staff form carries no proof of work');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/moderation/outreach') && r.request().method() === 'POST'),
      page.click('form.outreach-form button[type="submit"]'),
    ]);
    assert.equal(res.status(), 200);
    const code = (await page.textContent('#receipt-code')).trim();
    assert.ok(code.length >= 12, `a receipt code to hand over: ${code}`);
    assert.deepEqual(await axe(page), [], 'axe on the outreach page');
    await screenshot(page, 'limits-outreach-receipt');
    // The outreach account sees no queue, report or alert.
    for (const path of ['/moderation/queue', '/moderation/alerts']) {
      const r = await page.goto(`${base}${path}`);
      assert.equal(r.status(), 403, `outreach account on ${path}`);
    }
    await staff.done();

    // The person's code works on the public receipt page.
    const pub = await newPage();
    await pub.page.goto(`${base}/receipt`);
    await pub.page.fill('#f-code', code);
    await Promise.all([pub.page.waitForLoadState('load'), pub.page.click('form button[type="submit"]')]);
    assert.match(await pub.page.textContent('main'), /Waiting for review/);
    await pub.done();

    // A moderator sees it in the queue marked as entered by staff, not as unchecked.
    const mod = await signIn('mo-limits', 'moderator', /\/moderation\/queue$/);
    const row = mod.page.locator('tr', { hasText: 'ward' }).filter({ hasText: 'entered by staff' });
    assert.equal(await row.count(), 1, 'exactly one queue row is marked as entered by staff');
    const unchecked = await mod.page.locator('tr', { hasText: 'sent without the anti-spam check' }).count();
    assert.equal(unchecked, 2, 'the two reports sent without JavaScript are labelled neutrally');
    await Promise.all([mod.page.waitForURL(/\/moderation\/reports\//), row.locator('button').click()]);
    assert.match(await mod.page.textContent('main'), /entered by staff for someone/);
    assert.ok(!(await mod.page.textContent('main')).includes('tablet-one'), 'the report does not name the staff member');
    await screenshot(mod.page, 'limits-staff-report');
    await mod.done();
  });
});
