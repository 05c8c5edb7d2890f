// A small push service for the tests, speaking Mozilla's push protocol to Firefox and RFC 8030
// to the Heads Up server, on one loopback port:
//
//   ws://127.0.0.1:PORT/           Firefox's push connection (dom.push.serverURL): hello,
//                                  register, unregister, notification, ack, ping, as JSON
//                                  messages (the protocol of Mozilla's autopush).
//   POST /wpush/<channelID>        where the server sends a push: the VAPID header is checked
//                                  (shape, key = the key the channel was registered with, ES256
//                                  signature, audience, expiry), and so are Content-Encoding
//                                  aes128gcm and TTL; the body is forwarded untouched to Firefox
//                                  as a notification and the answer is 201. A channel the test
//                                  marked gone, or one Firefox unregistered, answers 410.
//
// Everything that happens is recorded, so a test asserts on what the service really saw.
import crypto from 'node:crypto';
import http from 'node:http';
import { WebSocketServer } from 'ws';

export async function startMozPush() {
  const channels = new Map(); // channelID → { key, uaid, registered, unregistered }
  const connections = new Map(); // uaid → WebSocket
  const pushes = []; // every POST, in order: { channelID, status, problems, headers, bytes, version }
  const messages = []; // every WebSocket message, both ways: { dir: 'in' | 'out', msg }
  const acks = []; // { channelID, version, code }
  const gone = new Set();
  const waiters = new Set();
  let versionCount = 0;
  let base;

  function changed() {
    for (const w of [...waiters]) w();
  }

  // waitFor resolves with fn()'s first truthy value, checked after every event, or rejects
  // after timeoutMs with what was seen.
  function waitFor(fn, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v;
        try { v = fn(); } catch (err) { done(); reject(err); return; }
        if (v) { done(); resolve(v); }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`push service: timed out after ${timeoutMs} ms waiting for ${what}; seen:\n${describe()}`));
      }, timeoutMs);
      const done = () => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      check();
    });
  }

  function describe() {
    const shortMsgs = messages.slice(-30).map(({ dir, msg }) => {
      const m = { ...msg };
      if (typeof m.data === 'string') m.data = `<${m.data.length} chars>`;
      return `${dir === 'in' ? '<-' : '->'} ${JSON.stringify(m)}`;
    });
    const shortPushes = pushes.map((p) => `POST ${p.channelID} → ${p.status}${p.problems.length ? ` (${p.problems.join('; ')})` : ''}`);
    return [...shortMsgs, ...shortPushes].join('\n') || '(nothing)';
  }

  const server = http.createServer((req, res) => {
    const m = req.method === 'POST' && /^\/wpush\/([A-Za-z0-9-]+)$/.exec(req.url);
    if (!m) {
      res.writeHead(404);
      res.end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const channelID = m[1];
      const body = Buffer.concat(chunks);
      const ch = channels.get(channelID);
      const problems = checkPush(req.headers, body, ch, base);
      const push = { channelID, headers: req.headers, bytes: body.length, problems, status: 0, version: null };
      pushes.push(push);
      let status;
      if (gone.has(channelID) || !ch || ch.unregistered) {
        status = 410;
      } else if (ch.sink) {
        status = problems.length > 0 ? 400 : 201;
      } else if (problems.length > 0) {
        status = 400;
      } else {
        const ws = connections.get(ch.uaid);
        if (!ws || ws.readyState !== ws.OPEN) {
          // autopush would store it for later; these tests want it delivered now.
          problems.push('Firefox is not connected');
          status = 503;
        } else {
          push.version = `v${++versionCount}-${crypto.randomUUID()}`;
          send(ws, {
            messageType: 'notification', channelID, version: push.version,
            data: body.toString('base64url'), headers: { encoding: 'aes128gcm' },
          });
          status = 201;
        }
      }
      push.status = status;
      res.writeHead(status, status === 201 ? { Location: `${base}/m/${push.version}` } : {});
      res.end();
      changed();
    });
  });

  const wss = new WebSocketServer({ server });
  function send(ws, msg) {
    messages.push({ dir: 'out', msg });
    ws.send(JSON.stringify(msg));
  }
  wss.on('connection', (ws) => {
    let uaid = null;
    ws.on('message', (raw) => {
      let msg;
      try { msg = JSON.parse(String(raw)); } catch { msg = { unparsable: String(raw) }; }
      messages.push({ dir: 'in', msg });
      switch (msg.messageType) {
        case 'hello': {
          uaid = typeof msg.uaid === 'string' && /^[0-9a-f]{32}$/.test(msg.uaid) ? msg.uaid : crypto.randomUUID().replaceAll('-', '');
          connections.set(uaid, ws);
          send(ws, { messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} });
          break;
        }
        case 'register': {
          if (!uaid) { ws.close(1002, 'register before hello'); break; }
          channels.set(msg.channelID, { key: msg.key, uaid, registered: Date.now(), unregistered: false });
          send(ws, { messageType: 'register', channelID: msg.channelID, status: 200, pushEndpoint: `${base}/wpush/${msg.channelID}` });
          break;
        }
        case 'unregister': {
          const ch = channels.get(msg.channelID);
          if (ch) ch.unregistered = true;
          send(ws, { messageType: 'unregister', channelID: msg.channelID, status: 200 });
          break;
        }
        case 'ack':
          for (const u of msg.updates || []) acks.push(u);
          break;
        case 'nack':
          for (const u of msg.updates || [msg]) acks.push({ ...u, nack: true });
          break;
        case 'broadcast_subscribe':
          break;
        case undefined:
          if (Object.keys(msg).length === 0) ws.send('{}'); // ping
          break;
        default:
          break;
      }
      changed();
    });
    ws.on('close', () => {
      if (uaid && connections.get(uaid) === ws) connections.delete(uaid);
      changed();
    });
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  base = `http://127.0.0.1:${port}`;

  return {
    host: `127.0.0.1:${port}`,
    url: base,
    wsURL: `ws://127.0.0.1:${port}/`,
    channels,
    pushes,
    messages,
    acks,
    describe,
    waitFor,
    // channelFor returns the channel whose endpoint is the given URL.
    channelFor(endpoint) {
      const prefix = `${base}/wpush/`;
      if (!endpoint.startsWith(prefix)) return null;
      const id = endpoint.slice(prefix.length);
      return channels.has(id) ? id : null;
    },
    markGone(channelID) { gone.add(channelID); },
    // addSink makes a channel with no browser behind it: pushes to it are checked, kept and
    // answered 201. It stands for another subscriber, so a test can see a fan-out went out.
    addSink() {
      const channelID = `sink-${crypto.randomUUID()}`;
      channels.set(channelID, { key: null, uaid: null, registered: Date.now(), unregistered: false, sink: true });
      return channelID;
    },
    pushesFor(channelID) { return pushes.filter((p) => p.channelID === channelID); },
    stop() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

// checkPush returns what is wrong with one push as RFC 8030, 8291 and 8292 say it must be.
function checkPush(headers, body, channel, audience) {
  const problems = [];
  if (headers['content-encoding'] !== 'aes128gcm') problems.push(`Content-Encoding is ${headers['content-encoding']}`);
  if (!/^\d+$/.test(headers.ttl ?? '')) problems.push(`TTL is ${headers.ttl}`);
  if (headers.urgency && !['very-low', 'low', 'normal', 'high'].includes(headers.urgency)) problems.push(`Urgency is ${headers.urgency}`);
  // aes128gcm: salt(16) rs(4) idlen(1) keyid(65) then at least one record with its 16-byte tag.
  if (body.length < 16 + 4 + 1 + 65 + 17 || body[20] !== 65) problems.push(`body of ${body.length} bytes is not an aes128gcm message`);
  const auth = headers.authorization ?? '';
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(auth);
  if (!m) {
    problems.push(`Authorization is not "vapid t=…, k=…": ${auth.slice(0, 40)}`);
    return problems;
  }
  const [, token, k] = m;
  if (channel?.key && channel.key.replace(/=+$/, '') !== k) problems.push('VAPID k= is not the key the subscription was made with');
  try {
    const raw = Buffer.from(k, 'base64url');
    if (raw.length !== 65 || raw[0] !== 4) throw new Error('not an uncompressed P-256 point');
    const key = crypto.createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    const [h, p, s] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    if (header.alg !== 'ES256') problems.push(`VAPID JWT alg ${header.alg}`);
    const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    if (!ok) problems.push('VAPID JWT signature does not verify with k=');
    if (claims.aud !== audience) problems.push(`VAPID aud ${claims.aud}, not ${audience}`);
    const now = Date.now() / 1000;
    if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) problems.push(`VAPID exp ${claims.exp} is not within 24 h`);
    if (!/^(mailto:|https:)/.test(claims.sub ?? '')) problems.push(`VAPID sub ${claims.sub}`);
  } catch (err) {
    problems.push(`VAPID token unreadable: ${err.message}`);
  }
  return problems;
}
