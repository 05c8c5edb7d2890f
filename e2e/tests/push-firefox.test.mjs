// A real push in a real browser: Debian's Firefox ESR subscribes on /subscribe with its own Push
// API client, connected to a local push service that speaks Mozilla's protocol (lib/mozpush.mjs).
// When a moderator approves a matching report, the Heads Up server encrypts and posts the push
// to that service, the service forwards the bytes to Firefox as they came, Firefox decrypts them
// and the site's service worker shows the notification. Nothing in the page is stubbed.
//
// Each test starts its own Firefox (its own profile, so its own subscription) and uses its own
// area, so one test's subscription never receives another's alerts. Nothing is skipped: a
// missing Firefox, page or earlier step fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { fakePushKeys } from '../lib/browser.mjs';
import { launchFirefox } from '../lib/firefox.mjs';
import { Moderator, submitBadDate } from '../lib/moderator.mjs';
import { startMozPush } from '../lib/mozpush.mjs';
import { startHeadsup } from '../lib/server.mjs';

let pushService;
let server;
let moderator;
let base;

before(async () => {
  pushService = await startMozPush();
  server = await startHeadsup({ HEADSUP_PUSH_INSECURE_HOSTS: pushService.host });
  base = server.url;
  moderator = await Moderator.signUp(server, 'e2epush');
});

after(async () => {
  await server?.stop();
  await pushService?.stop();
});

// withFirefox runs fn with a fresh Firefox and closes it; a failure carries what the push
// service saw, what the page logged and the server's log, which is what explains it.
async function withFirefox(fn) {
  const browser = await launchFirefox(pushService.wsURL);
  const consoleLines = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (err) => consoleLines.push(`page error: ${err.message}`));
    await fn(page, consoleLines);
  } catch (err) {
    err.message += `\n--- push service:\n${pushService.describe()}\n--- Firefox console:\n${consoleLines.join('\n') || '(nothing)'}\n--- headsup log (last 40 lines):\n${server.logs.join('').split('\n').slice(-40).join('\n')}`;
    throw err;
  } finally {
    await browser.close();
  }
}

// subscribe does what a person does on /subscribe: one area, every kind, every severity,
// discreet or not, then "Turn on". It returns what the page kept and the push channel.
async function subscribe(page, { area, discreet }) {
  const res = await page.goto(`${base}/subscribe`);
  assert.equal(res.status(), 200, 'GET /subscribe');
  await page.waitForSelector('#subscribe-form:not([hidden])', { timeout: 10_000 });
  const vapid = await page.$eval('#subscribe-form', (f) => f.getAttribute('data-vapid'));
  assert.equal(Buffer.from(vapid, 'base64url').length, 65, `VAPID key on the page: ${vapid}`);

  await page.click(`#f-area-${area}`);
  await page.click('#f-sev-info');
  if (await page.$eval('#f-discreet', (e) => e.checked) !== discreet) await page.click('#f-discreet');
  await page.click('#sub-start');
  await page.waitForFunction(() => !document.getElementById('sub-stop').hidden, { timeout: 30_000 });
  assert.match(await page.$eval('#sub-status', (e) => e.textContent), /Done\. This device will get alerts/);

  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('headsup.subscription')));
  assert.ok(saved?.id && saved?.token, `id and token kept in this browser: ${JSON.stringify(saved)}`);
  assert.equal(saved.prefs.discreet, discreet);
  assert.deepEqual(saved.prefs.areas, [area]);
  const sub = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const ps = await reg.pushManager.getSubscription();
    return ps && ps.toJSON();
  });
  assert.ok(sub, 'Firefox has a push subscription');
  // The endpoint is the one our push service handed Firefox when it registered the channel
  // with the server's VAPID key: the subscription went through Firefox's push client.
  const channelID = pushService.channelFor(sub.endpoint);
  assert.ok(channelID, `the endpoint ${sub.endpoint} is a channel Firefox registered with the push service`);
  assert.equal(pushService.channels.get(channelID).key.replace(/=+$/, ''), vapid, 'registered with the server\'s VAPID key');
  return { saved, channelID, endpoint: sub.endpoint };
}

// expectPush waits for the server's push number index to a channel, checks what the push
// service received, that Firefox acknowledged it as delivered (decrypted and handed to the
// service worker), and returns the notification the service worker shows for the alert.
async function expectPush(page, channelID, alertID, index) {
  const push = await pushService.waitFor(() => pushService.pushesFor(channelID)[index], 30_000, `a push to channel ${channelID}`);
  assert.deepEqual(push.problems, [], 'the push is well formed (VAPID, aes128gcm, TTL)');
  assert.equal(push.status, 201, 'the push service accepted the push and forwarded it to Firefox');
  assert.equal(push.bytes, 4096, 'every push is padded to one 4096-byte record');
  assert.match(push.headers.authorization, /^vapid t=[^,]+,\s*k=[A-Za-z0-9_-]+$/);
  assert.equal(push.headers['content-encoding'], 'aes128gcm');
  assert.match(push.headers.ttl, /^\d+$/);
  const ack = await pushService.waitFor(() => pushService.acks.find((a) => a.version === push.version), 20_000, `Firefox's ack of ${push.version}`);
  assert.equal(ack.code, 100, `Firefox acknowledged the push as delivered (100), not as a decryption error (101) or not delivered (102): ${JSON.stringify(ack)}`);

  const deadline = Date.now() + 10_000;
  for (;;) {
    const notes = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url }));
    });
    const note = notes.find((n) => n.tag === alertID);
    if (note) return { note, notes };
    if (Date.now() > deadline) throw new Error(`no notification for alert ${alertID}; shown: ${JSON.stringify(notes)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// publish files a report in area and has the moderator approve it; it returns the alert id
// once the fan-out is done, with the fan-out's counters.
async function publish(area, title, body) {
  const reportID = await submitBadDate(base, { area, details: `${title}. ${body}` });
  const alertID = await moderator.approve(reportID, { title, body, severity: 'danger', areas: [area] });
  const counters = await moderator.fanOut(alertID);
  return { alertID, counters };
}

// putSubscription changes a subscription with its token, as the page would.
function putSubscription(saved, area) {
  return fetch(`${base}/api/v1/subscriptions/${saved.id}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${saved.token}` },
    body: JSON.stringify({ kinds: ['bad_date'], areas: [area], min_severity: 'info', discreet: true, lang: 'en' }),
  });
}

// controlSubscription subscribes, through the API, a second recipient in area whose pushes the
// push service takes and keeps (it has no browser): proof that a fan-out really went out to
// the area when a check is that some subscription got nothing.
async function controlSubscription(area) {
  const channelID = pushService.addSink();
  const res = await fetch(`${base}/api/v1/subscriptions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      endpoint: `${pushService.url}/wpush/${channelID}`, keys: fakePushKeys(),
      kinds: ['bad_date', 'drug_alert'], areas: [area], min_severity: 'info', discreet: true, lang: 'en',
    }),
  });
  assert.equal(res.status, 201, `control subscription: ${await res.text()}`);
  return channelID;
}

describe('a real push in Firefox', () => {
  it('detailed: the notification shows the alert; after "Stop", no more pushes come', async () => {
    await withFirefox(async (page) => {
      const area = 'ward-2';
      const { saved, channelID } = await subscribe(page, { area, discreet: false });

      const title = 'Grey van driver with a knife near the market';
      const body = 'Pays, then threatens with a knife and takes the money back.';
      const { alertID, counters } = await publish(area, title, body);
      assert.equal(counters.sent, 1, `one push sent: ${JSON.stringify(counters)}`);
      const { note, notes } = await expectPush(page, channelID, alertID, 0);
      assert.deepEqual(note, { title, body, tag: alertID, url: `${base}/alerts/${alertID}` });
      assert.equal(notes.length, 1, `one notification: ${JSON.stringify(notes)}`);

      // Stop on the same page: the server forgets the subscription and Firefox unregisters
      // the channel with its push service.
      await page.click('#sub-stop');
      await page.waitForFunction(() => !document.getElementById('sub-start').hidden, { timeout: 20_000 });
      assert.match(await page.$eval('#sub-status', (e) => e.textContent), /Notifications stopped/);
      assert.equal(await page.evaluate(() => localStorage.getItem('headsup.subscription')), null);
      await pushService.waitFor(() => pushService.channels.get(channelID).unregistered, 10_000, `Firefox's unregister of ${channelID}`);
      const put = await putSubscription(saved, area);
      assert.equal(put.status, 404, 'after stopping, the subscription is gone from the server');

      // Another alert in the same area reaches the control subscription, never the stopped one.
      const control = await controlSubscription(area);
      const second = await publish(area, 'Second alert after stopping', 'This one must not reach the stopped subscription.');
      assert.equal(second.counters.sent, 1, `the fan-out sent to the control subscription only: ${JSON.stringify(second.counters)}`);
      assert.equal(pushService.pushesFor(control).length, 1, 'the control subscription got the second alert');
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(pushService.pushesFor(channelID).length, 1, 'nothing more was pushed to the stopped subscription');
      const tags = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => n.tag));
      assert.ok(!tags.includes(second.alertID), `no notification for the second alert: ${JSON.stringify(tags)}`);
    });
  });

  it('discreet: the notification says only "New safety update"; a 410 deletes the subscription', async () => {
    await withFirefox(async (page) => {
      const area = 'ward-5';
      const { saved, channelID } = await subscribe(page, { area, discreet: true });

      const title = 'Blue hatchback driver follows people home';
      const { alertID, counters } = await publish(area, title, 'Waits outside, then follows the car home.');
      assert.equal(counters.sent, 1, `one push sent: ${JSON.stringify(counters)}`);
      const { note, notes } = await expectPush(page, channelID, alertID, 0);
      // Nothing on a lock screen says what the alert is about; the link still leads to it.
      assert.deepEqual(note, { title: 'New safety update', body: 'Open to read it.', tag: alertID, url: `${base}/alerts/${alertID}` });
      assert.equal(notes.length, 1, `one notification: ${JSON.stringify(notes)}`);
      assert.ok(!JSON.stringify(notes).includes('hatchback'), 'no word of the alert in the notification');

      // The push service now says the subscription is gone (410): the server deletes it.
      pushService.markGone(channelID);
      const second = await publish(area, 'Second alert for a gone subscription', 'The push service answers 410 for it.');
      assert.equal(second.counters.gone, 1, `the fan-out counted one gone subscription: ${JSON.stringify(second.counters)}`);
      const pushes = pushService.pushesFor(channelID);
      assert.equal(pushes.length, 2, 'the server tried the second alert once');
      assert.equal(pushes[1].status, 410);
      assert.deepEqual(pushes[1].problems, [], 'the refused push was well formed too');
      const put = await putSubscription(saved, area);
      assert.equal(put.status, 404, `after the 410, the subscription is gone from the server: ${await put.text()}`);

    });
  });
});
