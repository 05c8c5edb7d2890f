// The public pages as outreach workers would hand them out, on the narrowest phones: every page
// fits 320 and 360 px without sideways scrolling, passes axe and stays under 30 KB; the quick
// exit is in reach at every scroll position and leaves no Back trail; the report form's
// essentials fit in two screens; a receipt survives a reload and Back/Forward without a second
// report; and the subscribe page tells a browser that cannot do push from a failed connection.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { axe, day, fakePushKeys, launch, newPhonePage, screenshot, transferred } from '../lib/browser.mjs';
import { Moderator, solveProof } from '../lib/moderator.mjs';
import { startExitPage, startHeadsup } from '../lib/server.mjs';

const MAX_PAGE_BYTES = 30 * 1024;
const CODE = /\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}\b/;
const WIDTHS = [320, 360];
const PAGES = [
  '/', '/report/bad-date', '/report/bad-batch', '/receipt', '/alerts', '/sheet', '/check', '/subscribe', '/about',
  '/?lang=es', '/report/bad-date?lang=es', '/report/bad-batch?lang=es', '/receipt?lang=es', '/alerts?lang=es',
  '/sheet?lang=es', '/check?lang=es', '/subscribe?lang=es', '/about?lang=es',
];
const LONG_NOTE = 'Thank you for telling us. We could not confirm this one yet: see '
  + 'https://example.org/a-very-long-address-without-any-spaces-that-a-moderator-pasted-in-full/and-more '
  + 'and the reference SUPERCALIFRAGILISTICEXPIALIDOCIOUSANDEVENLONGERWORDWITHOUTBREAKS.';

let server;
let exitPage;
let browser;
let base;
let moderator;
const state = { rejectedCode: '' };

function newPage(options = {}) {
  return newPhonePage(browser, base, { allow: [exitPage.url], ...options });
}

// fileThroughAPI sends a bad-date report through the JSON API and returns its id and code.
async function fileThroughAPI(details, area = 'ward-2') {
  const ch = await (await fetch(`${base}/api/v1/challenge`)).json();
  const res = await fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'bad_date', fields: { date: day(-1), area, details, harms: ['refused_to_pay'] }, altcha: solveProof(ch) }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.match(body.receipt, CODE);
  return body;
}

// queueCount counts the reports in the moderators' queue whose text contains marker.
async function queueCount(marker) {
  const html = await moderator.page('/moderation/queue');
  return html.split(marker).length - 1;
}

async function expectFits(page, width, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width, `${what} is ${w} px wide at ${width} px`);
}

// exitInReach asserts the quick exit is on screen, at least 44×44 px, and not covered.
async function exitInReach(page, what) {
  const r = await page.evaluate(() => {
    const e = document.getElementById('quick-exit');
    const b = e.getBoundingClientRect();
    const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    return { top: b.top, bottom: b.bottom, w: b.width, h: b.height, vh: innerHeight, onTop: e === hit || e.contains(hit) };
  });
  assert.ok(r.top >= 0 && r.bottom <= r.vh, `${what}: the quick exit is off screen (${r.top}–${r.bottom} of ${r.vh})`);
  assert.ok(r.w >= 44 && r.h >= 44, `${what}: the quick exit is ${r.w}×${r.h} px`);
  assert.ok(r.onTop, `${what}: something covers the quick exit`);
}

before(async () => {
  exitPage = await startExitPage();
  server = await startHeadsup({ HEADSUP_EXIT_URL: `${exitPage.url}/exit`, HEADSUP_SITE_NAME: 'Heads Up' });
  base = server.url;
  browser = await launch();
  moderator = await Moderator.signUp(server, 'e2epublic');
  // A rejected report with a long note, for the receipt status page.
  const { id, receipt } = await fileThroughAPI('Public pages test: a report to reject.');
  await moderator.expectRedirect('POST', `/moderation/reports/${id}/claim`, {}, new RegExp(`/moderation/reports/${id}$`));
  await moderator.expectRedirect('POST', `/moderation/reports/${id}/reject`, { reason: 'other', note: LONG_NOTE }, /\/moderation\/queue/);
  state.rejectedCode = receipt;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await exitPage?.stop();
});

describe('public pages on small phones', () => {
  for (const width of WIDTHS) {
    it(`every public page at ${width} px: no sideways scroll, axe clean, ≤ 30 KB, the exit in reach`, async () => {
      const { page, done } = await newPage({ serviceWorkers: 'block', viewport: { width, height: 640 } });
      const sizes = [];
      for (const path of PAGES) {
        const { bytes, files, status } = await transferred(page, base + path);
        assert.equal(status, 200, path);
        sizes.push(`${path} ${bytes}`);
        assert.ok(bytes <= MAX_PAGE_BYTES, `${path} transferred ${bytes} bytes:\n${files.join('\n')}`);
        await expectFits(page, width, path);
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await exitInReach(page, `${path} scrolled to the bottom`);
        // At the top, where nothing passes under the sticky header: axe counts a target the
        // header half covers while scrolled as too small.
        await page.evaluate(() => window.scrollTo(0, 0));
        assert.deepEqual(await axe(page), [], `axe on ${path} at ${width} px`);
      }
      console.log(`${width} px page weights (B): ${sizes.join(', ')}`);

      // The receipt status page with a long moderator note, in both languages.
      for (const lang of ['', '?lang=es']) {
        await page.goto(`${base}/receipt${lang}`);
        await page.fill('#f-code', state.rejectedCode);
        await Promise.all([page.waitForLoadState('load'), page.click('main form button[type="submit"]')]);
        assert.match(await page.textContent('.note'), /SUPERCALIFRAGILISTIC/);
        await expectFits(page, width, `the receipt with a long note${lang}`);
        assert.deepEqual(await axe(page), [], `axe on the receipt status${lang}`);
      }
      await screenshot(page, `receipt-long-note-${width}`);
      await done();
    });
  }

  for (const javaScriptEnabled of [true, false]) {
    it(`the quick exit is in reach at the bottom of the report forms (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const { page, done } = await newPage({ javaScriptEnabled });
      for (const path of ['/report/bad-date', '/report/bad-batch?lang=es']) {
        await page.goto(base + path);
        // Open every optional section, so the page is as long as it gets.
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await exitInReach(page, `${path} scrolled to the bottom`);
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
        await exitInReach(page, `${path} scrolled halfway`);
      }
      await screenshot(page, `report-bottom-${javaScriptEnabled ? 'js' : 'nojs'}`);
      await done();
    });
  }

  // The sticky bar covers the page at every scroll position: on a phone it is one row in both
  // languages (it was two, 80 px, with the name broken inside a word), and the menu's rows are
  // no taller than a readable link needs. Measured on a touch phone, where no keyboard hint shows.
  it('the header is one compact row in English and Spanish at 320 and 360 px', async () => {
    const heights = [];
    for (const width of WIDTHS) {
      for (const lang of ['en', 'es']) {
        const { page, done } = await newPage({ viewport: { width, height: 740 }, hasTouch: true, isMobile: true });
        await page.goto(`${base}/?lang=${lang}`);
        const m = await page.evaluate(() => {
          const box = (el) => el.getBoundingClientRect();
          const brand = document.querySelector('.brand');
          const bar = [...document.querySelectorAll('header .bar > a')].map((a) => ({ top: box(a).top, bottom: box(a).bottom }));
          return {
            header: box(document.querySelector('header')).height,
            nav: box(document.querySelector('nav.nav')).height,
            brandCut: brand.scrollWidth > brand.clientWidth,
            oneRow: bar.every((b) => b.top < bar[0].bottom && b.bottom > bar[0].top),
            links: [...document.querySelectorAll('header a, nav.nav a')].map((a) => ({ text: a.textContent.trim(), h: box(a).height, size: parseFloat(getComputedStyle(a).fontSize) })),
          };
        });
        const what = `${lang} at ${width} px`;
        heights.push(`${what}: header ${m.header}, menu ${m.nav}`);
        assert.ok(m.oneRow, `${what}: the name, language link and quick exit are not on one row`);
        assert.ok(m.header <= 56, `${what}: the sticky header is ${m.header} px high`);
        assert.ok(m.nav <= 72, `${what}: the menu is ${m.nav} px high`);
        assert.ok(!m.brandCut, `${what}: the site name "Heads Up" is cut short`);
        for (const l of m.links) {
          assert.ok(l.h >= 24 && l.size >= 15, `${what}: "${l.text}" is ${l.h} px high in ${l.size} px type`);
        }
        await exitInReach(page, what);
        if (width === 320 && lang === 'es') await screenshot(page, 'header-es-320');
        await done();
      }
    }
    console.log(`header heights (px): ${heights.join('; ')}`);
  });

  it('with JavaScript, moving through the site and leaving by the quick exit leave no Back trail', async () => {
    const { page, done } = await newPage();
    await page.goto(base);
    await Promise.all([page.waitForURL(/\/report\/bad-date$/), page.click('main a[href="/report/bad-date"]')]);
    await Promise.all([page.waitForURL(/\/about$/), page.click('footer a[href="/about"]')]);
    assert.match(await page.textContent('#exit + p'), /stays at the top of every page/);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await Promise.all([page.waitForURL(`${exitPage.url}/exit`), page.click('#quick-exit')]);
    await page.goBack().catch(() => null);
    assert.ok(!page.url().startsWith(base), `Back after the quick exit returned to ${page.url()}`);

    // After sending a report (a form post adds a page to the tab's history), the exit still
    // leaves nothing of the site behind Back.
    await page.goto(base);
    await Promise.all([page.waitForURL(/\/report\/bad-batch$/), page.click('main a[href="/report/bad-batch"]')]);
    await page.fill('#f-details', 'Exit trail test: blue pills.');
    await page.selectOption('#f-sold_as', 'pressed_oxy');
    await page.fill('#f-date', day(-1));
    await page.selectOption('#f-area', 'ward-4');
    await page.waitForFunction(() => document.querySelector('input[name="altcha"]').value.length > 50, null, { timeout: 30_000 });
    await Promise.all([page.waitForSelector('#receipt-code'), page.click('form.report-form button[type="submit"]')]);
    await Promise.all([page.waitForURL(`${exitPage.url}/exit`), page.click('#quick-exit')]);
    await page.waitForTimeout(300);
    assert.equal(page.url(), `${exitPage.url}/exit`, 'the exit stays on the neutral page');
    await page.goBack().catch(() => null);
    assert.ok(!page.url().startsWith(base), `Back after leaving from the receipt returned to ${page.url()}`);

    // Escape twice leaves too.
    await page.goto(`${base}/check`);
    await page.keyboard.press('Escape');
    await Promise.all([page.waitForURL(`${exitPage.url}/exit`), page.keyboard.press('Escape')]);
    await done();
  });

  // Two screens of a 360×740 phone down to the top of Send, in both languages: Spanish runs
  // longer (labels wrap, the title takes two lines), so it is the one that tends to overflow.
  it("the report forms' essentials fit in two screens at 360×740, in English and Spanish", async () => {
    const TWO_SCREENS = 2 * 740;
    const { page, done } = await newPage({ isMobile: true, hasTouch: true });
    for (const path of ['/report/bad-date', '/report/bad-batch', '/report/bad-date?lang=es', '/report/bad-batch?lang=es']) {
      await page.goto(base + path);
      assert.equal(await page.getAttribute('html', 'lang'), path.endsWith('lang=es') ? 'es' : 'en', `${path}: the page's language`);
      const m = await page.evaluate(() => {
        const send = document.querySelector('form.report-form button[type="submit"]');
        const top = (e) => e.getBoundingClientRect().top + scrollY;
        const required = [...document.querySelectorAll('form.report-form .req')].map((r) => r.closest('.field'));
        return {
          send: top(send),
          screens: innerHeight * 2,
          requiredHidden: required.filter((f) => f.closest('details')).length,
          requiredBelow: required.filter((f) => top(f) > top(send)).length,
          optional: document.querySelectorAll('details.more').length,
          open: document.querySelectorAll('details.more[open]').length,
        };
      });
      assert.equal(m.screens, TWO_SCREENS, 'a 740 px high screen');
      assert.ok(m.send <= TWO_SCREENS, `${path}: Send starts at ${m.send} px, more than two screens (${TWO_SCREENS} px)`);
      assert.equal(m.requiredHidden + m.requiredBelow, 0, `${path}: every required question is shown above Send`);
      assert.ok(m.optional >= 2 && m.open === 0, `${path}: ${m.optional} optional sections, ${m.open} open`);
      console.log(`${path}: Send at ${Math.round(m.send)} px of ${m.screens}`);
    }
    await screenshot(page, 'report-form-360-es');
    await done();
  });

  it('a reload and Back/Forward on the receipt show the same receipt and store one report', async () => {
    const { page, done } = await newPage();
    const marker = `Reload marker ${crypto.randomBytes(3).toString('hex')}`;
    await page.goto(`${base}/report/bad-date`);
    await page.fill('#f-details', `${marker}: he took the money back at knifepoint.`);
    await page.check('#f-harms-robbery_theft');
    await page.fill('#f-date', day(-1));
    await page.selectOption('#f-area', 'ward-5');
    await page.waitForFunction(() => document.querySelector('input[name="altcha"]').value.length > 50, null, { timeout: 30_000 });
    await Promise.all([page.waitForSelector('#receipt-code'), page.click('form.report-form button[type="submit"]')]);
    const code = (await page.textContent('#receipt-code')).trim();
    assert.match(code, CODE);
    assert.ok(!page.url().includes(code.slice(0, 4)), 'the code is in no URL');

    const sameReceipt = async (what) => {
      assert.equal((await page.textContent('#receipt-code')).trim(), code, `${what}: the same code`);
      const text = await page.textContent('main');
      assert.match(text, /You already sent this report\. Nothing was sent twice/, what);
      assert.doesNotMatch(text, /send again|anti-spam/i, `${what}: nothing asks to send again`);
    };
    await page.reload();
    await sameReceipt('after a reload');
    await page.goBack();
    assert.match(page.url(), /\/report\/bad-date$/);
    // Forward to a page that came from a form: Chromium may show its own "confirm form
    // resubmission" page instead of re-posting; a reload from there re-posts.
    await page.goForward().catch(() => null);
    const shown = await page.waitForSelector('#receipt-code', { timeout: 5_000 }).then(() => true, () => false);
    if (!shown) await page.reload();
    await sameReceipt('after Back and Forward');
    await screenshot(page, 'receipt-again');
    await done();

    // Without JavaScript: no proof of work at all; a reload is the same receipt too.
    const nojs = await newPage({ javaScriptEnabled: false });
    const marker2 = `No-JS marker ${crypto.randomBytes(3).toString('hex')}`;
    await nojs.page.goto(`${base}/report/bad-batch?lang=es`);
    await nojs.page.fill('#f-details', `${marker2}: pastillas azules.`);
    await nojs.page.selectOption('#f-sold_as', 'pressed_oxy');
    await nojs.page.fill('#f-date', day(-1));
    await nojs.page.selectOption('#f-area', 'ward-5');
    await Promise.all([nojs.page.waitForSelector('#receipt-code'), nojs.page.click('form.report-form button[type="submit"]')]);
    const code2 = (await nojs.page.textContent('#receipt-code')).trim();
    await nojs.page.reload();
    assert.equal((await nojs.page.textContent('#receipt-code')).trim(), code2);
    assert.match(await nojs.page.textContent('main'), /Ya enviaste este reporte/);
    await nojs.done();

    assert.equal(await queueCount(marker), 1, 'one report in the queue for the JavaScript form');
    assert.equal(await queueCount(marker2), 1, 'one report in the queue for the form without JavaScript');
  });

  it('subscribing tells a browser that cannot do push apart from a failed connection', async () => {
    const { page, context, done } = await newPage();
    await context.grantPermissions(['notifications'], { origin: base });
    // A browser whose push service refuses (as in private windows or without one).
    await context.addInitScript(() => {
      if (!self.PushManager) return;
      PushManager.prototype.getSubscription = async () => null;
      PushManager.prototype.subscribe = async () => { throw new DOMException('Registration failed - push service not available', 'AbortError'); };
    });
    await page.goto(`${base}/subscribe`);
    await page.waitForSelector('#subscribe-form:not([hidden])');
    await page.click('#sub-start');
    await page.waitForFunction(() => /./.test(document.getElementById('sub-status').textContent) && !/Working|moment/i.test(document.getElementById('sub-status').textContent), null, { timeout: 15_000 });
    const cannot = await page.textContent('#sub-status');
    assert.match(cannot, /This browser could not turn on notifications/);
    assert.match(cannot, /Home Screen/);
    assert.doesNotMatch(cannot, /connection/);
    await done();

    // A browser that can, on a connection that drops before the server answers.
    const second = await newPage();
    await second.context.grantPermissions(['notifications'], { origin: base });
    const keys = fakePushKeys();
    await second.context.addInitScript((keys) => {
      if (!self.PushManager) return;
      const sub = { endpoint: 'https://push.invalid/x', toJSON() { return { endpoint: this.endpoint, keys }; } };
      PushManager.prototype.getSubscription = async () => null;
      PushManager.prototype.subscribe = async () => sub;
    }, keys);
    await second.page.route('**/api/v1/subscriptions', (route) => route.abort('internetdisconnected'));
    await second.page.goto(`${base}/subscribe`);
    await second.page.waitForSelector('#subscribe-form:not([hidden])');
    await second.page.click('#sub-start');
    await second.page.waitForFunction(() => /connection/.test(document.getElementById('sub-status').textContent), null, { timeout: 15_000 });
    assert.doesNotMatch(await second.page.textContent('#sub-status'), /This browser could not/);
    await second.context.close();

    // The footer says what the feed is for.
    const third = await newPage();
    await third.page.goto(base);
    assert.match(await third.page.textContent('footer'), /for feed reader apps/);
    await third.done();
  });
});
