// Heads Up: the script every page loads. Every page works without it; it adds the quick exit
// by keyboard, remembers the chosen language, registers the service worker, and small comforts.
'use strict';
(function () {
  var body = document.body;
  var exitURL = body.getAttribute('data-exit');

  // Quick exit: replace this page (so Back does not return here) with a neutral site. Where
  // the browser has the Navigation API and this tab holds earlier pages of the site (a form
  // post adds one), it first goes back to the earliest of them and replaces that one, so Back
  // from the neutral site goes to what was open before this site.
  var LEAVING = 'headsup.leaving';
  function hide() {
    try { document.title = ''; body.hidden = true; } catch (e) { /* leave anyway */ }
  }
  function leave() {
    hide();
    try {
      var nav = window.navigation;
      var first = nav && nav.currentEntry && nav.entries()[0];
      if (first && first.index < nav.currentEntry.index) {
        sessionStorage.setItem(LEAVING, '1');
        nav.traverseTo(first.key);
        setTimeout(function () { location.replace(exitURL); }, 2000); // if the way back is blocked
        return;
      }
    } catch (e) { /* no Navigation API: replace this page only */ }
    location.replace(exitURL);
  }
  // Arriving back at the earliest page while leaving: replace it at once.
  function stillLeaving() {
    var flag = null;
    try { flag = sessionStorage.getItem(LEAVING); sessionStorage.removeItem(LEAVING); } catch (e) { /* private mode */ }
    if (!flag) return false;
    hide();
    location.replace(exitURL);
    return true;
  }
  if (stillLeaving()) return;
  addEventListener('pageshow', function (ev) { if (ev.persisted) stillLeaving(); });
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

  // A short history trail: a link to another page of this site replaces the page in this
  // tab's history instead of adding to it, so the quick exit (itself a replace) usually
  // leaves nothing of the site behind Back. Not while a form here has been typed into: Back
  // should still bring a half-written report back. In-page links, new tabs and modified
  // clicks behave as usual.
  var typed = false;
  document.addEventListener('input', function (ev) {
    if (ev.target && ev.target.form && ev.target.form.method === 'post') typed = true;
  });
  document.addEventListener('click', function (ev) {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey || typed) return;
    var a = ev.target.closest ? ev.target.closest('a[href]') : null;
    if (!a || a.id === 'quick-exit' || a.target || a.hasAttribute('download')) return;
    var url = new URL(a.href, location.href);
    if (url.origin !== location.origin || /\.atom$/.test(url.pathname)) return;
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    ev.preventDefault();
    location.replace(url.href);
  });

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
  // Its links lead to fields; one in a closed optional section opens it first. (The server
  // already opens sections that hold an error; this covers a section closed since.)
  document.querySelectorAll('.error-summary a[href^="#"]').forEach(function (a) {
    a.addEventListener('click', function () {
      var target = document.getElementById(a.getAttribute('href').slice(1));
      var d = target && target.closest ? target.closest('details') : null;
      if (d) d.open = true;
    });
  });

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

  // The service worker keeps the alert list for offline use and shows pushed alerts. It is
  // registered by the subscribe page, or here when the site runs installed as an app: a
  // visitor who did neither keeps no worker and no saved copies in this browser (about page).
  if ('serviceWorker' in navigator && window.matchMedia && matchMedia('(display-mode: standalone)').matches) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () { /* the site works without it */ });
  }
})();
