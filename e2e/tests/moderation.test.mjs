// Triage and the conversation with the reporter, in Chromium against the real binary: a repeat
// aggressor's second report is flagged in the queue and merged from there; a question goes to
// the reporter through their receipt, in English and in Spanish, and their answer comes back
// to the queue marked; and every moderation page fits a 360 px phone with no serious
// accessibility problem.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { axe, launch, screenshot, watch } from '../lib/browser.mjs';
import { fileBadDate, signInThroughForms } from '../lib/moderator.mjs';
import { startHeadsup } from '../lib/server.mjs';

const PHONE = { width: 360, height: 740 };

let server;
let browser;
let base;
// What the steps hand on to each other: the merged alert, a report waiting for an answer.
const state = {};

// signIn creates an account with the command line and takes it through its first sign-in in a
// new browser context of the given viewport; it returns the context and its page.
async function signIn(name, role, viewport) {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  const watcher = watch(page, base);
  await signInThroughForms(page, server, name, role);
  return { context, page, watcher };
}

// queueRow is the queue's row of a report, found by its Review button's form.
function queueRow(page, reportID) {
  return page.locator('tr', { has: page.locator(`form[action="/moderation/reports/${reportID}/claim"]`) });
}

// open claims a report from the queue, as a moderator does, and lands on its page.
async function open(page, reportID) {
  await page.goto(`${base}/moderation/queue`);
  await Promise.all([page.waitForURL(new RegExp(`/moderation/reports/${reportID}$`)), queueRow(page, reportID).locator('button').click()]);
}

async function submitAndWait(page, locator, url) {
  await Promise.all([page.waitForURL(url), locator.click()]);
}

describe('moderation triage and the conversation with the reporter', () => {
  let mod;

  before(async () => {
    server = await startHeadsup();
    base = server.url;
    browser = await launch();
    mod = await signIn('robin', 'moderator', { width: 1024, height: 900 });
  });

  after(async () => {
    await mod?.context.close();
    await browser?.close();
    await server?.stop();
  });

  it('flags a second report with the same plate in the queue and merges it from there', async () => {
    const first = await fileBadDate(base, {
      area: 'ward-6', details: 'He took my money and drove off.',
      fields: { vehicle_make: 'Toyota', vehicle_colour: 'silver', plate: 'DC 4821' },
    });
    const { page } = mod;
    await open(page, first.id);
    // Published with every default: the plate the reporter entered is checkable.
    await submitAndWait(page, page.locator('form[action$="/approve"] button[type="submit"]'), /\/moderation\/alerts\/[A-Za-z0-9_-]{22}\?done=approved/);
    const alertID = page.url().match(/\/alerts\/([A-Za-z0-9_-]{22})/)[1];
    state.alertID = alertID;

    // The same car, the plate typed differently, somewhere else.
    const second = await fileBadDate(base, {
      area: 'ward-7', details: 'Same silver car again, he would not pay.', fields: { plate: 'dc-4821' },
    });
    const other = await fileBadDate(base, { area: 'ward-1', details: 'Someone else entirely.' });
    await page.goto(`${base}/moderation/queue`);
    const row = queueRow(page, second.id);
    assert.match(await row.textContent(), /linked: same identifier as an alert or report/);
    assert.match(await row.textContent(), /Robbery or theft/, 'harms as labels');
    assert.doesNotMatch(await queueRow(page, other.id).textContent(), /linked/);
    assert.doesNotMatch(await page.textContent('main'), /robbery_theft|ward-7/, 'no raw codes');
    assert.match(await page.textContent('main'), /Within a day the order is random on purpose/);
    await screenshot(page, 'moderation-queue-linked');

    await open(page, second.id);
    const linked = page.locator('ul.linked li', { hasText: 'Same license plate as the alert' });
    assert.equal(await linked.count(), 1, 'the report page names the linked alert');
    // The offer asks first, showing the alert beside the report.
    await submitAndWait(page, linked.locator('button', { hasText: 'Merge into this alert' }), /\/merge$/);
    assert.match(await page.textContent('h1'), /Merge this report into an alert\?/);
    assert.match(await page.textContent('main'), /same license plate as this report/);
    assert.match(await page.textContent('main'), /•••21/, 'the plate as a masked hint');
    assert.deepEqual(await axe(page), [], 'axe on the merge confirmation');
    await page.check('input[name="confirm"]');
    await submitAndWait(page, page.locator('form[action$="/merge"] button[type="submit"]'), new RegExp(`/moderation/alerts/${alertID}\\?done=merged`));
    assert.match(await page.textContent('main'), /The report was merged into the alert/);
    await page.goto(`${base}/moderation/queue`);
    assert.equal(await queueRow(page, second.id).count(), 0, 'the merged report left the queue');
  });

  for (const { lang, locale, question, answerHeading, explain, answered } of [
    { lang: 'English', locale: 'en-US', question: 'Can you tell us more about where it happened?', answerHeading: 'Answer the moderators', explain: 'need a little more information', answered: 'Thank you for answering' },
    { lang: 'Spanish', locale: 'es-MX', question: '¿Nos puedes contar un poco más sobre dónde pasó?', answerHeading: 'Responder al equipo', explain: 'necesita un poco más de información', answered: 'Gracias por responder' },
  ]) {
    it(`asks the reporter for more information and brings the answer back (${lang})`, async () => {
      const filed = await fileBadDate(base, { area: 'ward-2', details: `Something happened (${lang}).` });
      const { page } = mod;
      await open(page, filed.id);
      const ask = page.locator('form[action$="/ask"]');
      await ask.locator('input[name="question"][value="where"]').check();
      await ask.locator('textarea[name="note"]').fill('Only if you feel safe saying.');
      await submitAndWait(page, ask.locator('button[type="submit"]'), /\/moderation\/queue\?done=asked/);
      assert.match(await page.textContent('.notice'), /The question was sent/);
      assert.equal(await queueRow(page, filed.id).count(), 0, 'a report waiting for its reporter leaves the queue');

      // The reporter looks the report up with the code, in their language.
      const context = await browser.newContext({ viewport: PHONE, locale });
      const reporter = await context.newPage();
      const watcher = watch(reporter, base);
      await reporter.goto(`${base}/receipt`);
      await reporter.fill('#f-code', filed.receipt);
      await submitAndWait(reporter, reporter.locator('main form[action^="/receipt"] button[type="submit"]'), /\/receipt$/);
      const main = await reporter.textContent('main');
      assert.ok(main.includes(question), `the question in ${lang}: ${main}`);
      assert.ok(main.includes('Only if you feel safe saying.'), 'the moderator’s own words');
      assert.ok(main.includes(explain), 'what the question means');
      assert.equal(await reporter.locator('h2', { hasText: answerHeading }).count(), 1);
      assert.deepEqual(await axe(reporter), [], `axe on the ${lang} receipt with a question`);
      assert.ok(await reporter.evaluate(() => document.documentElement.scrollWidth <= 360), 'the receipt fits a phone');
      await screenshot(reporter, `receipt-question-${locale}`);
      await reporter.fill('#f-text', 'Near the bus stop on 14th street.');
      await submitAndWait(reporter, reporter.locator('form[action*="/receipt/add"] button[type="submit"]'), /\/receipt\/add/);
      assert.ok((await reporter.textContent('main')).includes(answered), 'the receipt thanks for the answer');
      await context.close();
      assert.deepEqual(watcher.problems, []);

      await page.goto(`${base}/moderation/queue`);
      assert.match(await queueRow(page, filed.id).textContent(), /reporter answered your question/);
      await open(page, filed.id);
      assert.match(await page.textContent('main'), /Near the bus stop on 14th street\./);
      state.waiting = filed.id;
    });
  }

  it('fits every moderation page on a 360 px phone, with no serious accessibility problem', async () => {
    const admin = await signIn('sam', 'admin', PHONE);
    const { page } = admin;
    const pending = await fileBadDate(base, {
      area: 'ward-8', details: `A long unbroken word ${'x'.repeat(120)} and https://example.org/a/very/long/path/that/does/not/break/anywhere/at/all`,
      fields: { plate: 'DC 4821', phones: ['(202) 555-0188'] },
    });
    const pages = [
      ['queue', '/moderation/queue'],
      ['alerts', '/moderation/alerts'],
      ['alert', `/moderation/alerts/${state.alertID}`],
      ['retract', `/moderation/alerts/${state.alertID}/retract`],
      ['answered report', `/moderation/reports/${state.waiting}`],
      ['accounts', '/moderation/admin/accounts'],
      ['audit', '/moderation/admin/audit'],
      ['stats', '/moderation/admin/stats'],
      ['not found', '/moderation/reports/AAAAAAAAAAAAAAAAAAAAAA'],
    ];
    const check = async (name) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${name} is ${width} px wide at 360`);
      assert.deepEqual(await axe(page), [], `axe on ${name}`);
    };
    for (const [name, path] of pages) {
      await page.goto(base + path);
      await check(name);
    }
    await open(page, pending.id);
    await check('pending report with a linked alert');
    await screenshot(page, 'moderation-report-360');
    await submitAndWait(page, page.locator('ul.linked button', { hasText: 'Merge into this alert' }), /\/merge$/);
    await check('merge confirmation');
    // A refused form, with its errors.
    await page.goto(`${base}/moderation/reports/${pending.id}`);
    await page.evaluate(() => document.querySelectorAll('form[action$="/ask"] [required]').forEach((e) => e.removeAttribute('required')));
    await submitAndWait(page, page.locator('form[action$="/ask"] button[type="submit"]'), /\/ask$/);
    assert.match(await page.textContent('main'), /Choose a question\./);
    await check('refused question form');
    await admin.context.close();

    const anon = await browser.newContext({ viewport: PHONE, locale: 'es-MX' });
    const login = await anon.newPage();
    await login.goto(`${base}/moderation/login`);
    const width = await login.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `the sign-in page is ${width} px wide`);
    assert.deepEqual(await axe(login), [], 'axe on the sign-in page');
    await anon.close();
  });
});
