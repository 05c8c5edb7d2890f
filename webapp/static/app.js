// Heads Up: the script every page loads. Every page works without it; it adds the quick exit
// by keyboard, remembers the chosen language, registers the service worker, and small comforts.
'use strict';
(function () {
  var body = document.body;
  var exitURL = body.getAttribute('data-exit');

  // Quick exit: replace this page (so Back does not return here) with a neutral site.
  function leave() {
    try { document.title = ''; body.hidden = true; } catch (e) { /* leave anyway */ }
    location.replace(exitURL);
  }
  var exit = document.getElementById('quick-exit');
  if (exit) {
    exit.addEventListener('click', function (ev) { ev.preventDefault(); leave(); });
  }
  var lastEscape = 0;
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape' && ev.key !== 'Esc') return;
    var now = Date.now();
    if (now - lastEscape < 1500) { leave(); return; }
    lastEscape = now;
  });
  var hint = document.querySelector('.exit-hint');
  if (hint) hint.hidden = false;

  // Language: ?lang= first, then the choice remembered here (never a cookie), then the
  // browser's Accept-Language, which the server already used.
  var LANG = 'headsup.lang';
  function store(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  function read(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  document.querySelectorAll('a[data-lang]').forEach(function (a) {
    a.addEventListener('click', function () { store(LANG, a.getAttribute('data-lang')); });
  });
  var params = new URLSearchParams(location.search);
  var remembered = read(LANG);
  if (body.getAttribute('data-remember') === 'true' && !params.has('lang') && remembered &&
      remembered !== document.documentElement.lang && /^(en|es)$/.test(remembered)) {
    params.set('lang', remembered);
    location.replace(location.pathname + '?' + params.toString() + location.hash);
    return;
  }

  // The error summary takes focus so that a screen reader announces it first.
  var summary = document.getElementById('error-summary');
  if (summary && document.activeElement !== summary) summary.focus();

  // Copy the receipt code.
  document.querySelectorAll('[data-copy]').forEach(function (btn) {
    var src = document.getElementById(btn.getAttribute('data-copy'));
    var said = btn.parentNode.querySelector('.copied');
    if (!src || !navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      navigator.clipboard.writeText(src.textContent.trim()).then(function () {
        if (said) said.textContent = body.getAttribute('data-copied');
      }, function () {
        var r = document.createRange(); r.selectNodeContents(src);
        var sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
      });
    });
  });

  // Print the sheet.
  document.querySelectorAll('button.print').forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () { window.print(); });
  });

  // Times in the visitor's own time zone; the server writes UTC because it must not know it.
  document.querySelectorAll('time[data-local]').forEach(function (t) {
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d)) return;
    try {
      t.textContent = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: 'long', timeStyle: 'short' }).format(d);
    } catch (e) { /* keep the UTC text */ }
  });

  // Say so when the connection drops while the alert list is open. (A list served from the
  // service worker's copy already shows the note: the worker un-hides it.)
  var offline = document.getElementById('offline-note');
  function showOffline() { if (offline && !navigator.onLine) offline.hidden = false; }
  showOffline();
  addEventListener('offline', showOffline);

  // The service worker keeps the alert list for offline use and shows pushed alerts.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () { /* the site works without it */ });
  }
})();
