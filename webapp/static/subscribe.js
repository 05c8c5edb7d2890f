// The subscribe page: ask for notification permission, subscribe with the Push API using the
// server's VAPID key, and register the subscription with POST /api/v1/subscriptions. The id and
// token that come back stay in this browser only (localStorage, never a cookie), so the same
// page can change or stop the subscription later.
'use strict';
(function () {
  var form = document.getElementById('subscribe-form');
  if (!form) return;
  var KEY = 'headsup.subscription';
  function $(id) { return document.getElementById(id); }
  function msg(name) { return form.getAttribute('data-msg-' + name); }
  function say(text) { $('sub-status').textContent = text; }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (e) { return null; } }
  function save(v) {
    try { if (v) localStorage.setItem(KEY, JSON.stringify(v)); else localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }

  var ios = /iP(hone|ad|od)/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  var supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (!supported) {
    // On iOS the Push API exists only for sites added to the home screen.
    (ios && !navigator.standalone ? $('push-ios') : $('push-unavailable')).hidden = false;
    return;
  }
  form.hidden = false;

  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll('[name="' + name + '"]:checked'), function (i) { return i.value; });
  }
  function prefs() {
    return {
      kinds: checked('kinds'),
      areas: checked('areas'),
      min_severity: checked('min_severity')[0] || 'info',
      discreet: form.elements.discreet.checked,
      lang: checked('lang')[0] || document.documentElement.lang
    };
  }
  // What the API gets: no area ticked means every area, as the page says; the API wants them
  // listed, so a new area added later is a choice a subscriber makes, not a surprise.
  function wire(p) {
    var out = {};
    Object.keys(p).forEach(function (k) { out[k] = p[k]; });
    if (out.areas.length === 0) {
      out.areas = Array.prototype.map.call(form.querySelectorAll('[name="areas"]'), function (i) { return i.value; });
    }
    return out;
  }
  function apply(p) {
    form.querySelectorAll('input').forEach(function (i) {
      if (i.name === 'kinds') i.checked = p.kinds.indexOf(i.value) >= 0;
      if (i.name === 'areas') i.checked = p.areas.indexOf(i.value) >= 0;
      if (i.name === 'min_severity') i.checked = p.min_severity === i.value;
      if (i.name === 'lang') i.checked = p.lang === i.value;
      if (i.name === 'discreet') i.checked = !!p.discreet;
    });
  }
  function showState() {
    var sub = load();
    $('sub-state').hidden = !sub;
    $('sub-start').hidden = !!sub;
    $('sub-save').hidden = !sub;
    $('sub-stop').hidden = !sub;
  }
  var current = load();
  if (current && current.prefs) apply(current.prefs);
  showState();

  function keyBytes(b64url) {
    var s = (b64url + '===='.slice(b64url.length % 4 || 4)).replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  // Failures are told apart, because what to do differs: 'cannot' is this browser (no push
  // service, private mode, iOS outside the Home Screen: try another browser), 'network' is the
  // connection (try again), 'server' is us.
  function failure(kind) { var e = new Error(kind); e.kind = kind; return e; }
  function send(method, path, body, token) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .catch(function () { throw failure('network'); });
  }
  function check(r) {
    if (!r.ok) throw failure('server');
    return r;
  }

  async function subscribe() {
    var perm;
    try { perm = await Notification.requestPermission(); } catch (e) { throw failure('cannot'); }
    if (perm !== 'granted') { $('push-denied').hidden = false; throw failure('denied'); }
    var ps;
    try {
      await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      var reg = await navigator.serviceWorker.ready;
      ps = await reg.pushManager.getSubscription();
      if (!ps) {
        ps = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(form.getAttribute('data-vapid')) });
      }
    } catch (e) {
      // Offline, the browser's push service cannot be reached either: say so, not "cannot".
      throw failure(navigator.onLine === false ? 'network' : 'cannot');
    }
    var j = ps.toJSON();
    var p = prefs();
    var body = wire(p);
    body.endpoint = j.endpoint;
    body.keys = { p256dh: j.keys.p256dh, auth: j.keys.auth };
    var r = check(await send('POST', '/api/v1/subscriptions', body));
    var res = await r.json();
    save({ id: res.id, token: res.token, prefs: p });
    return msg('subscribed');
  }

  async function update() {
    var sub = load();
    var r = await send('PUT', '/api/v1/subscriptions/' + encodeURIComponent(sub.id), wire(prefs()), sub.token);
    if (r.status === 404 || r.status === 401) { save(null); return subscribe(); } // gone on the server: start again
    check(r);
    save({ id: sub.id, token: sub.token, prefs: prefs() });
    return msg('saved');
  }

  async function stop() {
    var sub = load();
    if (sub) {
      var r = await send('DELETE', '/api/v1/subscriptions/' + encodeURIComponent(sub.id), null, sub.token);
      if (r.status !== 404 && r.status !== 401) check(r);
    }
    var reg = await navigator.serviceWorker.getRegistration('/');
    var ps = reg && await reg.pushManager.getSubscription();
    if (ps) await ps.unsubscribe();
    save(null);
    return msg('stopped');
  }

  var busy = false;
  function run(action) {
    if (busy) return;
    busy = true;
    say(msg('working'));
    action().then(function (text) { say(text); }, function (err) {
      var kind = (err && err.kind) || 'cannot';
      say(kind === 'denied' ? '' : kind === 'network' ? msg('failed') : msg(kind));
    }).then(function () { busy = false; showState(); });
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (checked('kinds').length === 0) { say(msg('needs-kind')); return; }
    run(load() ? update : subscribe);
  });
  $('sub-stop').addEventListener('click', function () { run(stop); });
})();
