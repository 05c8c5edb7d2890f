// Report forms: solve the ALTCHA proof of work in a Web Worker while the person types, and put
// the answer in the hidden "altcha" field. Without it the report still goes through (marked
// unverified), so nothing here can stop a report from being sent.
'use strict';
(function () {
  var form = document.querySelector('form[data-pow]');
  if (!form || !window.Worker || !window.crypto || !crypto.subtle) return;
  var field = form.elements.altcha;
  var status = document.getElementById('pow-status');
  var solved = false;
  var pending = null;
  var waiting = false;

  function solve() {
    solved = false;
    field.value = '';
    pending = fetch(form.getAttribute('data-pow'), { cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('challenge ' + r.status)); })
      .then(function (ch) {
        return new Promise(function (resolve, reject) {
          var w = new Worker(form.getAttribute('data-worker'));
          w.onmessage = function (e) {
            w.terminate();
            if (e.data && typeof e.data.number === 'number') resolve([ch, e.data.number]); else reject(new Error('unsolved'));
          };
          w.onerror = function () { w.terminate(); reject(new Error('worker')); };
          w.postMessage({ challenge: ch.challenge, salt: ch.salt, max: ch.maxnumber });
        });
      })
      .then(function (res) {
        var ch = res[0];
        field.value = btoa(JSON.stringify({
          algorithm: ch.algorithm, challenge: ch.challenge, number: res[1], salt: ch.salt, signature: ch.signature
        }));
        solved = true;
      })
      .catch(function () { field.value = ''; });
    return pending;
  }

  solve();
  // A challenge expires after 15 minutes; someone writing slowly gets a fresh one in time.
  setInterval(solve, 10 * 60 * 1000);

  form.addEventListener('submit', function (ev) {
    if (solved || waiting || !pending) return;
    // Still solving: wait a little for it rather than send an unverified report, but never
    // more than a few seconds.
    ev.preventDefault();
    waiting = true;
    if (status) status.textContent = form.getAttribute('data-wait');
    var timeout = new Promise(function (r) { setTimeout(r, 15000); });
    Promise.race([pending, timeout]).then(function () { form.submit(); });
  });
})();
