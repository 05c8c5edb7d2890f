// Starting the real headsup binary on a fresh data folder and a free port, and the two small
// local servers the tests need: a neutral page for the quick exit to land on, and a fake push
// service so that no push ever leaves this machine.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// startLocal serves handler on a free loopback port and returns its base URL and a stop function.
export async function startLocal(handler) {
  const srv = http.createServer(handler);
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${srv.address().port}`;
  return { url, host: `127.0.0.1:${srv.address().port}`, stop: () => new Promise((resolve) => srv.close(resolve)) };
}

// startExitPage is where the quick exit goes: an ordinary page on another origin.
export function startExitPage() {
  return startLocal((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Weather today</title><h1>Weather today</h1><p>Sunny.</p></html>');
  });
}

// startFakePushService accepts every push with 201 and remembers it.
export async function startFakePushService() {
  const received = [];
  const svc = await startLocal((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, bytes: Buffer.concat(chunks).length });
      res.writeHead(201);
      res.end();
    });
  });
  return { ...svc, received };
}

// startHeadsup runs the binary built by e2e/run (HEADSUP_BIN) and waits until it is ready.
export async function startHeadsup(extraEnv = {}) {
  const bin = process.env.HEADSUP_BIN;
  if (!bin) throw new Error('HEADSUP_BIN is not set: run the tests through e2e/run');
  const port = await freePort();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'headsup-e2e-'));
  const url = `http://localhost:${port}`;
  const env = {
    ...process.env,
    HEADSUP_ADDR: `127.0.0.1:${port}`,
    HEADSUP_BASE_URL: url,
    HEADSUP_DATA_DIR: dataDir,
    HEADSUP_ADMIN_ADDR: '127.0.0.1:0',
    HEADSUP_LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const logs = [];
  const proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => logs.push(String(d)));
  proc.stderr.on('data', (d) => logs.push(String(d)));
  const exited = new Promise((resolve) => proc.on('exit', resolve));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`headsup exited with ${proc.exitCode}:\n${logs.join('')}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`headsup did not become ready:\n${logs.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    env,
    logs,
    // cli runs another headsup command against the same data folder (moderator add, …).
    cli(args) {
      return new Promise((resolve, reject) => {
        execFile(bin, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`headsup ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
          else resolve(stdout);
        });
      });
    },
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
