// Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi (no geckodriver), with its
// Web Push client pointed at a local push service (lib/mozpush.mjs) instead of Mozilla's.
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

// launchFirefox starts a fresh Firefox with a new profile whose push service is pushWSURL.
// A missing browser is an error, never a reason to skip.
export async function launchFirefox(pushWSURL) {
  if (!fs.existsSync(FIREFOX)) {
    throw new Error(`${FIREFOX} is missing: apt-get install -y firefox-esr (or set FIREFOX)`);
  }
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
    timeout: 60_000,
    protocolTimeout: 60_000,
    extraPrefsFirefox: {
      'dom.push.enabled': true,
      'dom.push.connection.enabled': true,
      'dom.push.serverURL': pushWSURL,
      'dom.push.testing.allowInsecureServerURL': true,
      // No quota on pushes that show nothing: every push in these tests shows a notification,
      // and one that does not must not go unnoticed by being silently throttled.
      'dom.push.maxQuotaPerSubscription': 100,
      // Notifications allowed without a prompt, shown by Firefox itself (not the desktop's
      // notification service, which a headless CI machine does not have).
      'permissions.default.desktop-notification': 1,
      'alerts.useSystemBackend': false,
      'dom.webnotifications.requireuserinteraction': false,
      'dom.serviceWorkers.enabled': true,
      'dom.serviceWorkers.testing.enabled': true,
      // Keep Firefox's own background traffic off the network.
      'network.connectivity-service.enabled': false,
      'network.captive-portal-service.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
    },
  });
}
