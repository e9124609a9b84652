// What every browser test of the web page shares (explorer_test, workspace_test, field_test):
// the PASS/FAIL bookkeeping, the checks that the browser (Debian's chromium) and the npm module
// playwright-core are there (missing is a FAILURE, never a skip), launching the browser and
// checking its console, running the vigil command, and a `vigil serve` on a free loopback port.
// Each test is `node X_test.mjs PATH/TO/vigil SCREENSHOT_DIR`, prints "N passed, M failed" and
// exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';
export const ORIGIN = 'vigil.demo.example/log';

let passed = 0;
let failed = 0;
const started = Date.now();
export function check(cond, what) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`${cond ? 'PASS' : 'FAIL'} [${s} s] ${what}`);
  if (cond) passed++; else failed++;
  return cond;
}
export function finish(code) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? (failed ? 1 : 0));
}
export function fatal(msg) {
  check(false, msg);
  finish(1);
}

// The command line of test `script`, checked: {vigil, shots (created), chromium (playwright)}.
export function setUp(script) {
  const [vigil, shotsArg] = process.argv.slice(2);
  if (!vigil || !shotsArg) fatal(`usage: node ${script} PATH/TO/vigil SCREENSHOT_DIR`);
  if (!fs.existsSync(vigil)) fatal(`no vigil binary at ${vigil}`);
  if (!fs.existsSync(CHROMIUM)) {
    fatal(`no browser at ${CHROMIUM}: install the Debian package "chromium" (make test does)`);
  }
  let chromium;
  try {
    const require = createRequire(import.meta.url);
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    fatal(`npm playwright-core is missing (run "npm ci" in tests/browser; make test does): ${e.message}`);
  }
  const shots = path.resolve(shotsArg);
  fs.mkdirSync(shots, { recursive: true });
  return { vigil, shots, chromium };
}

// Runs `vigil args` (with `env` added to the environment); its output, or a fatal failure.
export function runVigil(vigil, args, env = {}) {
  const r = spawnSync(vigil, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) fatal(`vigil ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

// Starts `vigil serve --data data` on a free loopback port: {base, cleanup}; cleanup() stops
// the server and removes `dir` (the test's scratch directory, which holds `data`).
export async function serve(vigil, data, dir) {
  const server = spawn(vigil, ['serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let serverLog = '';
  const base = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 20000);
    const onData = (chunk) => {
      serverLog += chunk;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(serverLog);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', () => resolve(null));
  });
  const cleanup = () => {
    try { server.kill('SIGTERM'); } catch { /* gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!base) { cleanup(); fatal(`vigil serve did not start: ${serverLog}`); }
  return { base, cleanup };
}

// Debian's chromium, headless; if it does not start, `cleanup` runs and the test fails.
export async function launch(chromium, cleanup) {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  } catch (e) {
    cleanup();
    fatal(`cannot start ${CHROMIUM}: ${e.message}`);
  }
}

// Collects `page`'s console errors and uncaught exceptions into `errors`.
export function collectErrors(page, errors) {
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
}

// Checks what collectErrors gathered: no Content Security Policy violation, and no script error
// (failed resource loads aside: the tests provoke 4xx answers on purpose).
export function checkConsole(errors) {
  const csp = errors.filter((e) => /Content Security Policy|Refused to/i.test(e));
  check(csp.length === 0, `no CSP violations${csp.length ? `: ${csp.join(' | ')}` : ''}`);
  const scripts = errors.filter((e) => !/Failed to load resource/.test(e));
  check(scripts.length === 0, `no script errors${scripts.length ? `: ${scripts.join(' | ')}` : ''}`);
}
