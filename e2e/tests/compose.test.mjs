// An alert composed with every default, as a new moderator would: a bad date filed through
// the API whose free text carries the reporter's own words (marker words no alert may repeat)
// and whose answers describe the aggressor; a moderator opens it in Chromium and publishes
// without touching the form. The public alert page, the Atom feed and the printable sheet must
// describe the aggressor and repeat none of the reporter's words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { axe, launch, screenshot, watch } from '../lib/browser.mjs';
import { signInThroughForms, submitBadDate } from '../lib/moderator.mjs';
import { startHeadsup } from '../lib/server.mjs';

// Words only the reporter's account holds; each must stay on the moderation page.
const MARKERS = ['Zanzibarquux', 'Plumtreewick', 'Marrowgale', 'jas_dc_22', 'apt 4', 'most nights'];

let server;
let browser;
let base;

// signIn makes a moderator and signs them in through the forms in a new browser context.
async function signIn(name) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  const watcher = watch(page, base);
  await signInThroughForms(page, server, name);
  return { context, page, watcher };
}

describe('composing an alert with every default', () => {
  before(async () => {
    server = await startHeadsup();
    base = server.url;
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('publishes the description and none of the reporter’s words', async () => {
    const reportID = await submitBadDate(base, {
      area: 'ward-6',
      details: `My Instagram is @jas_dc_22 and I live in apt 4. I work the corner of 14th and K most nights. ${MARKERS[0]} said he would come back.`,
      fields: {
        location: `behind the ${MARKERS[1]} laundromat`,
        features: `snake tattoo, knows ${MARKERS[2]}`,
        age_range: '35_44', build: 'heavy', vehicle_make: 'Honda', vehicle_model: 'Civic', vehicle_colour: 'teal',
        phones: ['(202) 555-0147'],
      },
    });

    const { context, page, watcher } = await signIn('casey');

    await page.goto(`${base}/moderation/reports/${reportID}`);
    const claim = page.locator(`form[action$="/${reportID}/claim"] button`);
    if (await claim.count()) await Promise.all([page.waitForLoadState('load'), claim.click()]);
    // The reporter's words are beside the form, the personal details marked.
    const raw = await page.textContent('main');
    for (const m of MARKERS) assert.ok(raw.includes(m), `the report page shows ${m}`);
    for (const hint of ['@jas_dc_22', 'apt 4', 'I work the corner of 14th and K most nights']) {
      assert.ok(await page.locator('mark.hint', { hasText: hint }).count(), `“${hint}” is marked as a possible personal detail`);
    }
    // The description parts are offered ticked, with labels; the texts start empty.
    const form = page.locator('form[action$="/approve"]');
    assert.equal(await form.locator('textarea[name="body.en"]').inputValue(), '');
    assert.equal(await form.locator('textarea[name="body.es"]').inputValue(), '');
    assert.match(await form.locator('input[name="title.es"]').inputValue(), /^Mal cliente/);
    for (const label of ['35 to 44', 'Heavy']) {
      const box = form.locator('label', { hasText: label }).locator('input[name="detail"]');
      assert.ok(await box.isChecked(), `the part “${label}” is ticked`);
    }
    assert.deepEqual(await axe(page), [], 'axe on the report page');
    await screenshot(page, 'compose-report');
    await Promise.all([page.waitForURL(/\/moderation\/alerts\/[A-Za-z0-9_-]{22}\?done=approved/), form.locator('button[type="submit"]').click()]);
    const alertID = page.url().match(/\/alerts\/([A-Za-z0-9_-]{22})/)[1];
    await context.close();
    assert.deepEqual(watcher.problems, [], 'no third-party request, CSP violation or script error');

    // What the public reads, in English and in Spanish.
    for (const [path, lang] of [[`/alerts/${alertID}`, 'en'], [`/alerts/${alertID}`, 'es'], ['/alerts.atom', 'en'], ['/sheet', 'en']]) {
      const res = await fetch(base + path, { headers: { 'Accept-Language': lang } });
      const text = await res.text();
      assert.equal(res.status, 200, `GET ${path}`);
      for (const m of MARKERS) {
        assert.ok(!text.toLowerCase().includes(m.toLowerCase()), `${path} (${lang}) repeats the reporter’s “${m}”`);
      }
      for (const want of lang === 'es' ? ['Honda', 'Civic', 'teal', 'De 35 a 44'] : ['Honda', 'Civic', 'teal', '35 to 44']) {
        assert.ok(text.includes(want), `${path} (${lang}) describes the aggressor with “${want}”`);
      }
    }
  });

  it('publishes the distinguishing features when the moderator ticks them', async () => {
    const reportID = await submitBadDate(base, {
      area: 'ward-2',
      details: 'He would not pay and grabbed my bag.',
      fields: { features: `tattoo of a scorpion on his neck, knows ${MARKERS[2]}`, age_range: '45_54', vehicle_make: 'Ford' },
    });
    const { context, page, watcher } = await signIn('dana');
    await page.goto(`${base}/moderation/reports/${reportID}`);
    const claim = page.locator(`form[action$="/${reportID}/claim"] button`);
    if (await claim.count()) await Promise.all([page.waitForLoadState('load'), claim.click()]);
    const form = page.locator('form[action$="/approve"]');
    const features = form.locator('input[name="detail"][value="features"]');
    assert.equal(await features.isChecked(), false, 'the reporter’s own description is offered unticked');
    await features.check();
    // The moderator keeps what describes him and takes out what only the reporter knows.
    await form.locator('[name="detail_text.features"]').fill('tattoo of a scorpion on his neck');
    await Promise.all([page.waitForURL(/\/moderation\/alerts\/[A-Za-z0-9_-]{22}\?done=approved/), form.locator('button[type="submit"]').click()]);
    const alertID = page.url().match(/\/alerts\/([A-Za-z0-9_-]{22})/)[1];
    await context.close();
    assert.deepEqual(watcher.problems, [], 'no third-party request, CSP violation or script error');
    for (const [path, lang, label] of [[`/alerts/${alertID}`, 'en', 'scorpion'], [`/alerts/${alertID}`, 'es', 'scorpion'], ['/sheet?area=ward-2', 'en', 'scorpion']]) {
      const text = await (await fetch(base + path, { headers: { 'Accept-Language': lang } })).text();
      assert.ok(text.includes(label) && text.includes('Ford'), `${path} (${lang}) shows the ticked features and the vehicle`);
      assert.ok(!text.includes(MARKERS[2]), `${path} (${lang}) repeats what the moderator took out`);
    }
  });
});
