// Chromium, and what the tests check on every page: accessibility (axe-core), bytes on the wire
// (DevTools Protocol), requests to other origins, Content-Security-Policy violations, screenshots.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: FLAGS });
}

const shotDir = path.join(process.env.E2E_OUT || new URL('../out', import.meta.url).pathname, 'screenshots');
let shotCount = 0;

// screenshot writes a full-page picture of what a person sees, numbered in test order.
export async function screenshot(page, name) {
  fs.mkdirSync(shotDir, { recursive: true });
  shotCount += 1;
  const file = path.join(shotDir, `${String(shotCount).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// watch records, for one page, every request to an origin other than base and every console
// error that reports a Content-Security-Policy violation or an uncaught exception.
export function watch(page, base) {
  const origin = new URL(base).origin;
  const problems = [];
  const allowed = new Set([origin]);
  page.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    const o = new URL(u).origin;
    if (!allowed.has(o)) problems.push(`request to another origin: ${u}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
      problems.push(`CSP: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  return {
    problems,
    allow(url) { allowed.add(new URL(url).origin); },
  };
}

// newPhonePage opens page in a fresh context of browser — a 360×740 phone in English unless
// options say otherwise — watching it (watch) with base's origin and every allowed URL's
// permitted. done() closes the context and fails the test on any problem the watcher saw.
export async function newPhonePage(browser, base, { allow = [], ...options } = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-US', ...options });
  const page = await context.newPage();
  const watcher = watch(page, base);
  for (const url of allow) watcher.allow(url);
  return {
    context,
    page,
    watcher,
    async done() {
      await context.close();
      assert.deepEqual(watcher.problems, [], 'no third-party request, CSP violation or script error');
    },
  };
}

// day is the date offset days from today (UTC), as a date input holds it: 2026-11-27.
export function day(offset) {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

// axe runs axe-core in the page and returns the serious and critical violations. It is
// evaluated through the DevTools Protocol, which the page's CSP does not govern, so the page
// itself keeps its strict policy.
export async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// transferred loads url in page and returns the bytes that crossed the network for it and
// everything it loaded (Network.loadingFinished encodedDataLength, summed), as a cheap phone
// on a fresh visit would pay.
export async function transferred(page, url) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  const files = [];
  const urls = new Map();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    files.push(`${urls.get(e.requestId)} ${e.encodedDataLength}`);
  });
  const res = await page.goto(url, { waitUntil: 'networkidle' });
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.detach();
  return { bytes, files, status: res.status() };
}

// totp computes the current RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret, as an
// authenticator app would.
export function totp(secret, now = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const key = [];
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      key.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const h = crypto.createHmac('sha1', Buffer.from(key)).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// fakePushKeys makes what a browser's PushSubscription carries: a P-256 public key and a
// 16-byte auth secret, base64url, so that the server's validation and encryption accept them.
export function fakePushKeys() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth: crypto.randomBytes(16).toString('base64url'),
  };
}
