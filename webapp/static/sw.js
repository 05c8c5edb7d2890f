// Heads Up service worker: keeps the page shell and the latest alerts for offline reading,
// and shows pushed alerts. It never caches what a form post returns (receipts, check results).
'use strict';
var VERSION = '__VERSION__';
var SHELL = "__SHELL__";
var ICON = SHELL.filter(function (u) { return /icon-192/.test(u); })[0];
var STATIC = 'headsup-static-' + VERSION;
var PAGES = 'headsup-pages';
// Pages kept for offline use: the front page, the alert list and single alerts.
var OFFLINE_PAGES = /^\/(alerts(\/[A-Za-z0-9_-]{22})?)?$/;

self.addEventListener('install', function (event) {
  event.waitUntil(Promise.all([
    caches.open(STATIC).then(function (c) { return c.addAll(SHELL); }),
    // The latest alerts, so the list opens offline even if it was never visited online.
    caches.open(PAGES).then(function (c) { return c.add('/alerts').catch(function () { /* offline now */ }); })
  ]).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('headsup-static-') === 0 && k !== STATIC;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// fromCache answers a navigation from the kept copy, un-hiding the page's "you are offline,
// this is the list from when it was last updated" note, so the person knows what they read is
// not live, even if the page's own script cannot tell.
function fromCache(request) {
  return caches.open(PAGES).then(function (c) {
    return c.match(request, { ignoreVary: true }).then(function (r) {
      return r || c.match(request, { ignoreVary: true, ignoreSearch: true });
    }).then(function (r) {
      return r || c.match('/alerts', { ignoreVary: true, ignoreSearch: true });
    });
  }).then(function (r) {
    if (!r) return Response.error();
    return r.text().then(function (html) {
      var marked = html.replace('id="offline-note" class="notice" role="status" hidden', 'id="offline-note" class="notice" role="status"');
      return new Response(marked, { status: r.status, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/static/') === 0) {
    // Checksummed names never change content: the cache is always right.
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(STATIC).then(function (c) { c.put(req, copy); }); }
        return res;
      });
    }));
    return;
  }
  if (req.mode === 'navigate' && OFFLINE_PAGES.test(url.pathname)) {
    // Network first, so people see the newest alerts; the copy is for when there is no network.
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok) { var copy = res.clone(); caches.open(PAGES).then(function (c) { c.put(req, copy); }); }
      return res;
    }).catch(function () { return fromCache(req); }));
  }
});

// sameSite keeps a notification from opening anything but this site.
function sameSite(u) {
  try {
    var url = new URL(u, self.location.origin);
    return url.origin === self.location.origin ? url.href : new URL(url.pathname, self.location.origin).href;
  } catch (e) {
    return new URL('/alerts', self.location.origin).href;
  }
}

self.addEventListener('push', function (event) {
  var d = {};
  try { d = event.data ? event.data.json() : {}; } catch (e) { d = {}; }
  // A discreet subscription already gets neutral text from the server; this is the fallback.
  var title = d.title || 'New safety update';
  var options = {
    body: d.body || '',
    icon: ICON,
    badge: ICON,
    data: { url: sameSite(d.url || '/alerts'), id: d.id || '' }
  };
  if (d.id) { options.tag = d.id; options.renotify = true; } // an update replaces the older one
  event.waitUntil(self.registration.showNotification(title, options).then(function () {
    return self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  }).then(function (clients) {
    // Tell open pages, so they (and the browser tests) can see what was shown.
    clients.forEach(function (c) {
      c.postMessage({ type: 'notification-shown', title: title, body: options.body, url: options.data.url, id: options.data.id });
    });
  }));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var url = sameSite((event.notification.data && event.notification.data.url) || '/alerts');
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (clients) {
    for (var i = 0; i < clients.length; i++) {
      var c = clients[i];
      if ('focus' in c && 'navigate' in c) {
        return c.focus().then(function (f) { return (f || c).navigate(url); });
      }
    }
    return self.clients.openWindow(url);
  }));
});
