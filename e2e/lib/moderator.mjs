// What happens around a subscriber, through the server's own interfaces and without a second
// browser: a reporter filing a report through the public API (proof of work solved here, as a
// non-browser client would), and a moderator created with `headsup moderator add`, signing in
// through the moderation forms over HTTP (one-time password, new password, TOTP enrolment),
// approving reports and watching the push fan-out on the alert's progress feed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { totp } from './browser.mjs';

// solveProof answers a challenge from GET /api/v1/challenge as the page's Web Worker does.
export function solveProof(ch) {
  const max = ch.maxnumber ?? ch.maxNumber;
  for (let n = 0; n <= max; n++) {
    if (crypto.createHash('sha256').update(ch.salt + n).digest('hex') === ch.challenge) {
      return Buffer.from(JSON.stringify({ algorithm: ch.algorithm, challenge: ch.challenge, number: n, salt: ch.salt, signature: ch.signature })).toString('base64');
    }
  }
  throw new Error(`no solution for challenge ${JSON.stringify(ch)}`);
}

// signInThroughForms creates an account with `headsup moderator add` and takes it through its
// first sign-in on page, as a person does: the one-time password, a password of their own,
// then TOTP enrolment from the secret on the page. It leaves page on the queue (or, for an
// outreach account, wherever sign-in lands).
export async function signInThroughForms(page, server, name, role = 'moderator', landing = /\/moderation\/queue/) {
  const out = await server.cli(['moderator', 'add', '--name', name, '--role', role]);
  const otp = out.match(/One-time password[^\n]*\n\s*(\S+)/)?.[1];
  assert.ok(otp, `a one-time password in:\n${out}`);
  await page.goto(`${server.url}/moderation/login`);
  await page.fill('#name', name);
  await page.fill('#password', otp);
  await Promise.all([page.waitForURL(/\/moderation\/login\/password/), page.click('button[type="submit"]')]);
  const password = `violet kettle harbour ${crypto.randomBytes(4).toString('hex')}`;
  await page.fill('#password', password);
  await page.fill('#confirm', password);
  await Promise.all([page.waitForURL(/\/moderation\/login\/enroll/), page.click('button[type="submit"]')]);
  const secret = (await page.textContent('#totp-secret')).trim();
  await page.fill('#code', totp(secret));
  await Promise.all([page.waitForURL(landing), page.click('button[type="submit"]')]);
}

// submitBadDate files a bad-date report in one area and returns its id; fields adds answers
// (the aggressor's description, phones, a location…).
export async function submitBadDate(base, report) {
  return (await fileBadDate(base, report)).id;
}

// fileBadDate is submitBadDate that also returns the receipt code the reporter keeps.
export async function fileBadDate(base, { area, details, fields = {} }) {
  const chRes = await fetch(`${base}/api/v1/challenge`);
  assert.equal(chRes.status, 200, 'GET /api/v1/challenge');
  const ch = await chRes.json();
  const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const res = await fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      kind: 'bad_date',
      fields: { date, time_band: 'night', area, details, harms: ['robbery_theft'], ...fields },
      altcha: solveProof(ch),
    }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `POST /api/v1/reports: ${text}`);
  const { id } = JSON.parse(text);
  assert.ok(id, `a report id in ${text}`);
  return { id, receipt: JSON.parse(text).receipt };
}

// Moderator is one signed-in moderator: a cookie jar and form posts with this site's Origin,
// as the browser would send them.
export class Moderator {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }

  async request(method, path, form) {
    const headers = { Origin: this.base };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.base + path, { method, headers, body: form ? new URLSearchParams(form) : undefined, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = value === '' || attrs.some((a) => /^\s*max-age=(0|-)/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  // expectRedirect posts (or gets) and asserts a 303 to a path matching to; returns Location.
  async expectRedirect(method, path, form, to) {
    const res = await this.request(method, path, form);
    const body = res.status === 303 ? '' : await res.text();
    assert.equal(res.status, 303, `${method} ${path} answered ${res.status}:\n${body.slice(0, 2000)}`);
    const loc = res.headers.get('location');
    assert.match(loc, to, `${method} ${path} redirects`);
    return loc;
  }

  async page(path) {
    const res = await this.request('GET', path);
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${path}:\n${text.slice(0, 2000)}`);
    return text;
  }

  // signUp creates the account on the command line and signs in for the first time.
  static async signUp(server, name) {
    const out = await server.cli(['moderator', 'add', '--name', name, '--role', 'moderator']);
    const otp = out.match(/One-time password[^\n]*\n\s*(\S+)/)?.[1];
    assert.ok(otp, `a one-time password in:\n${out}`);
    const m = new Moderator(server.url);
    await m.expectRedirect('POST', '/moderation/login', { name, password: otp }, /\/moderation\/login\/password$/);
    const password = `correct horse battery staple ${crypto.randomBytes(4).toString("hex")}`;
    await m.expectRedirect('POST', '/moderation/login/password', { username: name, password, confirm: password }, /\/moderation\/login\/enroll$/);
    const enrol = await m.page('/moderation/login/enroll');
    const secret = enrol.match(/id="totp-secret">([^<]+)</)?.[1]?.trim();
    assert.ok(secret, 'the enrolment page shows the TOTP secret');
    await m.expectRedirect('POST', '/moderation/login/enroll', { code: totp(secret) }, /\/moderation\/queue$/);
    return m;
  }

  // approve publishes a report as an alert and returns the alert id.
  async approve(reportID, { title, body, severity = 'danger', areas }) {
    const page = await this.page(`/moderation/reports/${reportID}`);
    const expires = page.match(/name="expires" value="([0-9-]+)"/)?.[1];
    assert.ok(expires, 'the approve form has a default expiry');
    const form = new URLSearchParams({ 'title.en': title, 'body.en': body, severity, expires });
    for (const a of areas) form.append('areas', a);
    const loc = await this.expectRedirect('POST', `/moderation/reports/${reportID}/approve`, form, /\/moderation\/alerts\/[A-Za-z0-9_-]{22}\?done=approved$/);
    return loc.match(/\/alerts\/([A-Za-z0-9_-]{22})/)[1];
  }

  // fanOut waits until the first delivery of an alert is done and returns its counters.
  async fanOut(alertID, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      const res = await this.request('GET', `/moderation/alerts/${alertID}/progress`);
      last = await res.text();
      assert.equal(res.status, 200, `progress of ${alertID}: ${last}`);
      const d = JSON.parse(last).deliveries.find((x) => x.version === 1 && !x.retraction);
      if (d && d.state === 'done') return d.counters;
      if (Date.now() > deadline) throw new Error(`the fan-out of ${alertID} did not finish in ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
