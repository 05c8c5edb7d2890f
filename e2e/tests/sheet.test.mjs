// The printed sheet an outreach worker hands out, and help nearby, in Chromium against the real
// binary: 13 typical alerts (seeded through `headsup import`, as a restore would load them)
// print on one Letter page and one A4 page, in English and in Spanish; an alert about two areas
// prints once; the kind and area filters work; the organisation and the resources of a test
// resources file appear on the receipt, alert and sheet pages in English and in Spanish.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { axe, launch, newPhonePage, transferred } from '../lib/browser.mjs';
import { startExitPage, startHeadsup } from '../lib/server.mjs';

const MAX_PAGE_BYTES = 30 * 1024;

let server;
let exitPage;
let browser;
let base;
let dataDir;
let alerts;

const RESOURCES = {
  organisation: {
    name: { en: 'Safe Streets Collective', es: 'Colectivo Calles Seguras' },
    phone: '+1 202-555-0100',
    email: 'help@example.org',
    hours: { en: 'Drop-in Mon–Fri 10am–4pm', es: 'Sin cita lun–vie de 10 a 16 h' },
  },
  resources: [
    { category: 'crisis_line', name: { en: '988 Suicide & Crisis Lifeline', es: 'Línea 988 de Prevención del Suicidio y Crisis' }, phone: '988', text: '988' },
    { category: 'naloxone', name: { en: 'Naloxone at the drop-in', es: 'Naloxona en el centro' }, address: { en: '100 Example St NW', es: '100 Example St NW' } },
    { category: 'legal_aid', name: { en: 'Street law clinic', es: 'Clínica legal de calle' }, phone: '202-555-0142', hours: { en: 'Wednesdays 1–5pm', es: 'miércoles de 13 a 17 h' } },
  ],
};

function id() {
  return crypto.randomBytes(16).toString('base64url');
}

function daysAgo(n) {
  return new Date(Date.now() - n * 86_400_000);
}

// typicalAlerts are what two weeks in a city look like: bad dates with a description of the
// man and his car, bad batches with what was sold and what it did. The first is about two
// areas; every text is the length moderators write.
function typicalAlerts() {
  const badDates = [
    ['Robbed at knifepoint after the date', 'He paid, then pulled a knife and took the money back. Gets angry when asked to use a condom.', ['ward-6', 'ward-7'],
      [{ field: 'harms', codes: ['robbery_theft', 'weapon_threats'] }, { field: 'contact', codes: ['street'] }, { field: 'age_range', codes: ['35_44'] }, { field: 'build', codes: ['heavy'] }, { field: 'vehicle_make', text: 'Toyota' }, { field: 'vehicle_model', text: 'Camry' }, { field: 'vehicle_colour', text: 'silver' }], 'ABC1234'],
    ['Refused to pay and threatened', 'Met through an ad. Refused to pay and said he would come back with friends.', ['ward-2'],
      [{ field: 'harms', codes: ['refused_to_pay', 'weapon_threats'] }, { field: 'contact', codes: ['online_ad'] }, { field: 'age_range', codes: ['25_34'] }, { field: 'hair', text: 'shaved head, beard' }], null],
    ['Condom removed without consent', 'Removed the condom during the date and became aggressive when confronted.', ['ward-1'],
      [{ field: 'harms', codes: ['condom_removed'] }, { field: 'age_range', codes: ['45_54'] }, { field: 'build', codes: ['slim'] }, { field: 'vehicle_colour', text: 'black' }, { field: 'vehicle_make', text: 'Honda' }], null],
    ['Drink spiked in a hotel room', 'Offered a drink; she woke up hours later with her phone and money gone.', ['ward-2'],
      [{ field: 'harms', codes: ['drugged', 'robbery_theft'] }, { field: 'contact', codes: ['app_website'] }, { field: 'aggressor_name', text: 'calls himself Mike' }, { field: 'age_range', codes: ['35_44'] }], null],
    ['Violent client in a white van', 'Hit a worker in the face and drove off. Picks people up late at night.', ['ward-8'],
      [{ field: 'harms', codes: ['physical_violence'] }, { field: 'contact', codes: ['street'] }, { field: 'age_range', codes: ['45_54'] }, { field: 'height', codes: ['tall'] }, { field: 'vehicle_colour', text: 'white' }, { field: 'vehicle_model', text: 'cargo van' }], 'VAN 772'],
    ['Would not let her leave', 'Locked the door and would not let her leave for two hours.', ['ward-5'],
      [{ field: 'harms', codes: ['held_against_will', 'weapon_threats'] }, { field: 'gender', codes: ['man'] }, { field: 'age_range', codes: ['55_plus'] }], null],
    ['Following workers after dates', 'Keeps driving past and texting after the date. Has shown up at a worker\'s home.', ['ward-6'],
      [{ field: 'harms', codes: ['stalking_harassment'] }, { field: 'contact', codes: ['phone'] }, { field: 'vehicle_make', text: 'Ford' }, { field: 'vehicle_colour', text: 'red' }], null],
  ];
  const batches = [
    ['Xylazine in dope', 'Wounds that will not heal and long blackouts after using.', ['ward-7'],
      [{ field: 'sold_as', codes: ['fentanyl'] }, { field: 'colour', text: 'grey-purple' }, { field: 'form', codes: ['powder'] }, { field: 'effects', codes: ['long_sedation', 'wounds'] }, { field: 'xylazine_strip', codes: ['positive'] }]],
    ['Fake blue "M30" pills', 'Pressed pills sold as oxy caused two overdoses in one night.', ['ward-1'],
      [{ field: 'sold_as', codes: ['pressed_oxy'] }, { field: 'stamp', text: 'M 30' }, { field: 'form', codes: ['pill'] }, { field: 'effects', codes: ['overdose', 'multiple_naloxone'] }, { field: 'fentanyl_strip', codes: ['positive'] }]],
    ['Crack with fentanyl', 'People who do not use opioids overdosed after smoking crack.', ['ward-8'],
      [{ field: 'sold_as', codes: ['crack'] }, { field: 'routes', codes: ['smoked'] }, { field: 'effects', codes: ['overdose'] }, { field: 'fentanyl_strip', codes: ['positive'] }]],
    ['Very strong dope', 'Much stronger than usual; needed three doses of naloxone.', ['ward-5'],
      [{ field: 'sold_as', codes: ['heroin'] }, { field: 'colour', text: 'white' }, { field: 'effects', codes: ['unusually_strong', 'multiple_naloxone'] }]],
    ['Fake Xanax bars', 'Yellow bars causing very long sedation and memory loss.', ['ward-3'],
      [{ field: 'sold_as', codes: ['pressed_benzo'] }, { field: 'colour', text: 'yellow' }, { field: 'form', codes: ['pill'] }, { field: 'effects', codes: ['long_sedation'] }]],
    ['Meth causing seizures', 'Seizures reported after smoking, sold near the station.', ['outside-dc'],
      [{ field: 'sold_as', codes: ['meth'] }, { field: 'form', codes: ['crystal'] }, { field: 'routes', codes: ['smoked', 'injected'] }, { field: 'effects', codes: ['seizures'] }]],
  ];
  const out = [];
  let n = 0;
  const add = (kind, [title, body, areas, details, plate], severity) => {
    n += 1;
    const published = daysAgo(n * 0.8);
    const a = {
      _id: id(), version: 1, kind, severity, title, body, areas,
      incident_day: new Date(published.toISOString().slice(0, 10) + 'T00:00:00Z').toISOString(),
      time_band: 'night', published: published.toISOString(), updated: published.toISOString(),
      expires: new Date(Date.now() + 30 * 86_400_000).toISOString(), status: 'published', report_count: 1,
      details,
      // Written in English only: the Spanish sheet says so.
      texts: [{ lang: 'en', title, body }],
    };
    if (plate) a.identifiers = [{ type: 'plate', value: plate, hmac: crypto.randomBytes(32).toString('hex'), public: true }];
    out.push(a);
  };
  badDates.forEach((b, i) => add('bad_date', b, i % 3 === 0 ? 'danger' : 'warning'));
  batches.forEach((b, i) => add('drug_alert', b, i % 2 === 0 ? 'danger' : 'warning'));
  return out;
}

// importAlerts loads alerts with `headsup import`, the restore path, into the data folder.
function importAlerts(env, list) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.env.HEADSUP_BIN, ['import'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`headsup import: ${code}\n${err}`))));
    p.stdin.end(list.map((a) => JSON.stringify({ collection: 'alerts', document: a })).join('\n') + '\n');
  });
}

// pdfPages counts the pages of a PDF as Chromium writes it: one /Type /Page object each.
function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length;
}

function newPage(options = {}) {
  return newPhonePage(browser, base, { allow: [exitPage.url], ...options });
}

describe('the printed sheet and help nearby', () => {
  before(async () => {
    exitPage = await startExitPage();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'headsup-sheet-'));
    const resourcesFile = path.join(dataDir, 'resources.json');
    await fs.writeFile(resourcesFile, JSON.stringify(RESOURCES));
    alerts = typicalAlerts();
    server = await startHeadsup({
      HEADSUP_EXIT_URL: exitPage.url, HEADSUP_DATA_DIR: dataDir, HEADSUP_RESOURCES_FILE: resourcesFile, HEADSUP_SITE_NAME: 'Safe Corner',
    });
    base = server.url;
    await importAlerts(server.env, alerts);
    // The server reads current alerts through a cache refreshed every two seconds.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await fetch(`${base}/api/v1/alerts?limit=100`);
      const n = (await res.json()).alerts.length;
      if (n === alerts.length) break;
      if (Date.now() > deadline) throw new Error(`${n} of ${alerts.length} alerts visible`);
      await new Promise((r) => setTimeout(r, 250));
    }
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await exitPage?.stop();
  });

  it('prints 13 alerts on one Letter page and one A4 page, each alert once', async () => {
    const { page, done } = await newPage({ viewport: { width: 1000, height: 800 } });
    const res = await page.goto(`${base}/sheet`);
    assert.equal(res.status(), 200);
    assert.equal(await page.locator('article.sheet-alert').count(), 13, '13 alerts on the sheet');
    const twoAreas = alerts[0].title;
    assert.equal(await page.locator('article.sheet-alert h2', { hasText: twoAreas }).count(), 1, 'the two-area alert is printed once');
    assert.match(await page.locator('article.sheet-alert', { hasText: twoAreas }).innerText(), /Ward 6, Ward 7/);
    assert.match(await page.locator('article.sheet-alert', { hasText: twoAreas }).innerText(), /Vehicle make\s*:?\s*Toyota/);
    assert.equal(await page.locator('svg.qr').count(), 1, 'a QR code to the site');
    const text = await page.locator('main').innerText();
    for (const want of ['Safe Streets Collective', 'Drop-in Mon–Fri 10am–4pm', '988 Suicide & Crisis Lifeline', 'Street law clinic', `read every alert at ${base}`]) {
      assert.ok(text.includes(want), `the sheet shows ${want}`);
    }
    const { bytes } = await transferred(page, `${base}/sheet`);
    assert.ok(bytes <= MAX_PAGE_BYTES, `the sheet is ${bytes} bytes on the wire`);
    assert.deepEqual(await axe(page), [], 'axe on the sheet');

    await page.emulateMedia({ media: 'print' });
    const size = await page.locator('.sheet-alert .body').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 10 * 96 / 72 - 0.01, `printed text is ${size}px, at least 10 pt`);
    // In Spanish too, where each of these English-only alerts also says "Escrito en inglés".
    for (const lang of ['en', 'es']) {
      if (lang === 'es') await page.goto(`${base}/sheet?lang=es`);
      for (const format of ['Letter', 'A4']) {
        const pdf = await page.pdf({ format, printBackground: false });
        await fs.writeFile(path.join(process.env.E2E_OUT || os.tmpdir(), `sheet-${lang}-${format}.pdf`), pdf).catch(() => {});
        assert.equal(pdfPages(pdf), 1, `the ${lang} sheet prints on one ${format} page`);
      }
    }
    await done();
  });

  it('filters by kind and by area without JavaScript', async () => {
    const { page, done } = await newPage({ javaScriptEnabled: false });
    await page.goto(`${base}/sheet`);
    await page.selectOption('#f-kind', 'drug_alert');
    await Promise.all([page.waitForURL(/kind=drug_alert/), page.click('form.filters button[type=submit]')]);
    assert.equal(await page.locator('article.sheet-alert').count(), 6, 'only the six bad batches');
    assert.equal(await page.locator('article.sheet-alert h2', { hasText: alerts[0].title }).count(), 0);
    await page.selectOption('#f-area', 'ward-7');
    await Promise.all([page.waitForURL(/area=ward-7/), page.click('form.filters button[type=submit]')]);
    assert.deepEqual(await page.locator('article.sheet-alert h2').allInnerTexts(), ['Xylazine in dope']);
    await page.selectOption('#f-kind', 'bad_date');
    await Promise.all([page.waitForURL(/kind=bad_date/), page.click('form.filters button[type=submit]')]);
    assert.deepEqual(await page.locator('article.sheet-alert h2').allInnerTexts(), [alerts[0].title], 'the two-area alert is in ward 7');
    await done();
  });

  it('prints in both languages side by side', async () => {
    const { page, done } = await newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(`${base}/sheet?lang=both&kind=bad_date`);
    const first = page.locator('article.sheet-alert').first();
    assert.equal(await first.locator('.sheet-lang').count(), 2);
    assert.match(await first.locator('.sheet-lang[lang=es]').innerText(), /Escrito en inglés/);
    assert.match(await first.locator('.sheet-lang[lang=es]').innerText(), /Distrito 6, Distrito 7/);
    const text = await page.locator('.sheet-help').innerText();
    assert.ok(text.includes('Help nearby') && text.includes('Ayuda cerca') && text.includes('Clínica legal de calle'), 'help in both languages');
    await done();
  });

  it('does not scroll sideways on a 320 px phone', async () => {
    const { page, done } = await newPage({ viewport: { width: 320, height: 640 } });
    for (const p of ['/sheet', '/sheet?lang=both', `/alerts/${alerts[0]._id}?lang=es`, '/alerts?lang=es', '/about?lang=es']) {
      await page.goto(base + p);
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scroll <= client, `${p} is ${scroll} px wide on a ${client} px screen`);
    }
    await done();
  });

  it('shows help nearby on the alert, receipt and about pages in English and Spanish', async () => {
    const { page, done } = await newPage();
    const expect = {
      en: ['Help nearby', 'Safe Streets Collective', 'Call 988', 'crisis line', 'Street law clinic'],
      es: ['Ayuda cerca', 'Colectivo Calles Seguras', 'Llama al 988', 'línea de crisis', 'Clínica legal de calle'],
    };
    for (const [lang, wants] of Object.entries(expect)) {
      await page.goto(`${base}/alerts/${alerts[0]._id}?lang=${lang}`);
      const help = page.locator('section.help');
      for (const w of wants) assert.ok((await help.innerText()).includes(w), `alert page in ${lang} shows ${w}`);
      assert.equal(await help.locator('a[href="tel:988"]').first().count(), 1, 'the crisis line is a tel: link');
      assert.match(await page.locator('dl.details').innerText(), lang === 'es' ? /Marca del vehículo\s+Toyota/ : /Vehicle make\s+Toyota/);
      if (lang === 'es') assert.match(await page.locator('.lang-note').innerText(), /Escrito en inglés/);
      assert.deepEqual(await axe(page), [], `axe on the alert page in ${lang}`);

      await page.goto(`${base}/about?lang=${lang}`);
      for (const w of wants) assert.ok((await page.locator('section.help').innerText()).includes(w), `about page in ${lang} shows ${w}`);
    }

    // A report sent with JavaScript off, then its receipt looked up, in each language.
    for (const [lang, wants] of Object.entries(expect)) {
      const form = new URLSearchParams({
        date: daysAgo(1).toISOString().slice(0, 10), time_band: 'night', area: 'ward-2', details: 'He would not pay.', harms: 'refused_to_pay', website: '',
      });
      const res = await fetch(`${base}/report/bad-date?lang=${lang}`, { method: 'POST', body: form, headers: { Origin: base } });
      const html = await res.text();
      assert.equal(res.status, 200, html.slice(0, 500));
      const shown = html.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&');
      for (const w of wants) assert.ok(shown.includes(w), `the new receipt in ${lang} shows ${w}`);
      const code = html.match(/id="receipt-code">([^<]+)</)?.[1];
      assert.ok(code, 'a receipt code');
      await page.goto(`${base}/receipt?lang=${lang}`);
      await page.fill('input[name=code]', code);
      await Promise.all([page.waitForLoadState('load'), page.locator('main form button[type=submit]').first().click()]);
      await page.waitForSelector('section.help');
      const text = await page.locator('section.help').innerText();
      for (const w of wants) assert.ok(text.includes(w), `the receipt status page in ${lang} shows ${w}`);
    }
    await done();
  });
});
