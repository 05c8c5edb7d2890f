// The proof-of-work solver, in a Web Worker so the page stays responsive: find n in
// [0, max] with SHA-256(salt + n) == challenge. Hashes run in batches through crypto.subtle.
'use strict';
self.onmessage = async function (e) {
  var challenge = e.data.challenge, salt = e.data.salt, max = e.data.max;
  var want = new Uint8Array(challenge.length / 2);
  for (var i = 0; i < want.length; i++) want[i] = parseInt(challenge.substr(i * 2, 2), 16);
  var enc = new TextEncoder();
  var batch = 1000;
  for (var n = 0; n <= max; n += batch) {
    var jobs = [];
    var end = Math.min(n + batch - 1, max);
    for (var k = n; k <= end; k++) jobs.push(crypto.subtle.digest('SHA-256', enc.encode(salt + k)));
    var results = await Promise.all(jobs);
    for (var j = 0; j < results.length; j++) {
      if (same(new Uint8Array(results[j]), want)) { self.postMessage({ number: n + j }); return; }
    }
  }
  self.postMessage({ number: null });
};

function same(a, b) {
  if (a.length !== b.length) return false;
  for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
