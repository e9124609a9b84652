// Browser test of the audit explorer (docs/explorer.md): Debian's headless chromium, driven by
// npm playwright-core, against a real `vigil serve` over the demo data (`vigil init` +
// `vigil demo --offline` in a temporary directory).
//
// Usage: node explorer_test.mjs PATH/TO/vigil SCREENSHOT_DIR
//
// It signs in with the demo inspector's key file (plain with its .pub, and sealed under a
// passphrase), searches (a business, a chemical), opens a
// participant, opens an entry, verifies it in the browser to a green verdict, then makes the
// server's answers wrong with page.route (an inclusion proof, the checkpoint, the entry bytes,
// a wrong pinned verifier key) and expects a red verdict for each; then the English toggle,
// the alerts dashboard and a phone-sized screen. A missing browser or npm module is a FAILURE,
// never a skip. Prints "N passed, M failed" and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORIGIN, check, finish, fatal, setUp, runVigil, serve, launch, collectErrors, checkConsole } from './harness.mjs';

const { vigil, shots, chromium } = setUp('explorer_test.mjs');

// ---- a demo ledger, served on a free loopback port ---------------------------------------------

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-browser-'));
const data = path.join(dir, 'data');
const run = (args, env) => runVigil(vigil, args, env);
const initOut = run(['init', '--data', data, '--origin', ORIGIN, '--province', 'Hà Nội']);
const vkeyMatch = /verifier key: (\S+)/.exec(initOut);
if (!vkeyMatch) fatal(`vigil init printed no verifier key: ${initOut}`);
const verifierKey = vkeyMatch[1];
run(['demo', '--data', data, '--offline']);
const inspectorKey = path.join(data, 'demo-keys', 'thanhtra-sct-ktv0217.key');
if (!fs.existsSync(inspectorKey)) fatal(`no demo inspector key at ${inspectorKey}`);
const seedB64 = fs.readFileSync(inspectorKey, 'utf8').trim().split(' ')[1];
// A plain key file signs in together with its .pub (the page never computes a public key).
const inspectorPub = path.join(data, 'demo-keys', 'thanhtra-sct-ktv0217.pub');
const demoKey = (name) => [path.join(data, 'demo-keys', `${name}.key`), path.join(data, 'demo-keys', `${name}.pub`)];
// The inspector's key again, sealed under a passphrase (vigil keygen --from --passphrase).
const PASSPHRASE = 'mật khẩu thử 2026';
const sealedKey = path.join(dir, 'inspector-sealed.key');
{
  const r = spawnSync(vigil, ['keygen', '--from', inspectorKey, '--passphrase', '--out', sealedKey],
    { encoding: 'utf8', env: { ...process.env, VIGIL_PASSPHRASE: PASSPHRASE } });
  if (r.status !== 0) fatal(`vigil keygen --from --passphrase failed: ${r.stderr}${r.stdout}`);
}

const { base, cleanup } = await serve(vigil, data, dir);
console.log(`server ${base}, data ${data}, screenshots ${shots}`);

// ---- the browser -------------------------------------------------------------------------------

const browser = await launch(chromium, cleanup);

const consoleErrors = [];
const sent = [];
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  collectErrors(page, consoleErrors);
  page.on('request', (r) => sent.push({ url: r.url(), headers: r.headers(), body: r.postData() || '' }));
  const shot = async (name) => {
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot ${file}`);
  };
  const text = (sel) => page.locator(sel).first().innerText();

  // Sign-in page, in Vietnamese by default.
  const res = await page.goto(`${base}/`);
  check(res.status() === 200, 'GET / answers 200');
  check((res.headers()['content-security-policy'] || '').includes("script-src 'self'"), 'the page carries a strict CSP');
  check(await page.getAttribute('html', 'lang') === 'vi', 'Vietnamese by default (html lang="vi")');
  await page.waitForSelector('#signin');
  check((await text('#signin h1')) === 'Đăng nhập bằng tệp khóa', 'sign-in form in Vietnamese');
  await shot('01-signin');

  // A file that is not a key is refused with a message.
  await page.setInputFiles('#keyfile', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.click('#signin-button');
  await page.waitForSelector('#signin-status .notice.error');
  check((await text('#signin-status')).includes('không phải tệp khóa'), 'a non-key file is refused');

  // A plain key file alone is refused (its .pub is needed), and so is the .pub of another key.
  await page.setInputFiles('#keyfile', inspectorKey);
  await page.click('#signin-button');
  await page.waitForSelector('#signin-status .notice.error');
  check((await text('#signin-status')).includes('chọn cùng lúc cả tệp .pub'), 'a plain key file without its .pub is refused with a message');
  await page.setInputFiles('#keyfile', [inspectorKey, demoKey('karaoke-hoa-mi')[1]]);
  await page.click('#signin-button');
  await page.waitForFunction(() => document.querySelector('#signin-status')?.textContent.includes('không phải khóa công khai'));
  check(true, 'the .pub of another key is refused (test signature)');

  // Sign in with the inspector's key file and its .pub.
  await page.setInputFiles('#keyfile', [inspectorKey, inspectorPub]);
  await page.click('#signin-button');
  await page.waitForSelector('#who-name');
  const who = await text('#who-name');
  check(who.includes('Thanh tra') && who.includes('KTV-0217'), `signed in as the inspector: ${who}`);
  // An inspector's home is the field inspections (field.js); the search is one click away.
  await page.waitForFunction(() => location.hash === '#/field');
  await page.click('#nav a[href="#/search"]');
  await page.waitForSelector('#q');

  // Search by business name.
  await page.fill('#q', 'An Phú');
  await page.click('#search-button');
  await page.waitForSelector('#participant-results');
  const found = await text('#participant-results');
  check(found.includes('Công ty TNHH Hóa chất An Phú'), 'search "An Phú" finds the trader');
  // By licence number.
  await page.fill('#q', 'GXN-SDTC-0042-HN');
  await page.click('#search-button');
  await page.waitForFunction(() => document.querySelector('#participant-results')?.innerText.includes('Sơn Hà Đông'));
  check((await page.locator('#participant-results li').count()) === 1, 'search by licence number finds exactly its holder');
  // By chemical name without diacritics, and by CAS number.
  await page.fill('#q', 'toluen');
  await page.click('#search-button');
  await page.waitForSelector('#substance-results');
  const subs = await text('#substance-results');
  check(subs.includes('Toluen') && subs.includes('108-88-3') && subs.includes('Hóa chất An Phú'), 'search "toluen" finds toluene and who holds it');
  await page.fill('#q', '67-64-1');
  await page.click('#search-button');
  await page.waitForFunction(() => document.querySelector('#substance-results')?.innerText.includes('Axeton'));
  check(true, 'search by CAS 67-64-1 finds acetone');
  await shot('02-search');

  // The participant page.
  await page.fill('#q', 'An Phú');
  await page.click('#search-button');
  await page.waitForSelector('#participant-results a');
  await page.click('#participant-results a >> text=Công ty TNHH Hóa chất An Phú');
  await page.waitForSelector('#stock-chart svg.chart circle');
  check((await text('h1')) === 'Công ty TNHH Hóa chất An Phú', 'participant page opens');
  check((await text('#licences')).includes('GCN-KDTC-0153-HN'), 'licences listed');
  check((await text('#stock')).includes('Toluen'), 'stock by substance listed');
  const points = await page.locator('#stock-chart svg.chart circle').count();
  check(points >= 2, `stock chart has ${points} points`);
  check((await text('#transfers')).includes('AP-ML-T01'), 'transfers listed');
  check((await text('#summary')).includes('Toluen'), 'the year summary lists toluene');
  const alertsText = await text('#participant-alerts');
  check(alertsText.includes('Số kiểm đếm khác sổ'), 'participant alerts in Vietnamese');
  const trailRows = await page.locator('#trail-table tbody tr').count();
  check(trailRows >= 5, `trail has ${trailRows} entries`);
  check(/\d{1,2}\/\d{1,2}\/\d{4}/.test(await text('#trail-table tbody')), 'dates in vi-VN format (dd/mm/yyyy)');
  await shot('03-participant');

  // An entry: the first purchase in the trail.
  await page.selectOption('#trail-type', 'chem.purchase');
  const entryLink = page.locator('#trail-table tbody tr a').first();
  const seq = (await entryLink.innerText()).replace('#', '');
  await entryLink.click();
  await page.waitForSelector('#record');
  check((await text('h1')).includes(`Mục ${seq}`), `entry ${seq} opens`);
  const record = await text('#record');
  check(['Mua vào', 'Hóa chất', 'Số lượng', 'Bên ngoài sổ cái', 'Chứng từ'].every((w) => record.includes(w)), 'the record is shown in readable Vietnamese');
  await shot('04-entry');

  // Verify in the browser: green.
  const verify = async () => {
    await page.click('#verify-button');
    await page.waitForSelector('#verdict[data-verdict]');
    const verdict = await page.getAttribute('#verdict', 'data-verdict');
    const steps = await page.locator('#verify-steps li').evaluateAll((lis) => lis.map((li) => li.dataset.status || 'todo'));
    return { verdict, steps, text: await text('#verdict') };
  };
  let v = await verify();
  check(v.verdict === 'ok' && v.steps.length === 8 && v.steps.every((s) => s === 'ok'), `verification is green, every step ok: ${v.steps.join(',')} ${v.text}`);
  check(v.text.includes('ĐÃ KIỂM CHỨNG'), 'green verdict in Vietnamese');
  await shot('05-verified');

  // A wrong inclusion proof: red at the root step.
  await page.route('**/v1/proof/inclusion?**', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    const raw = Buffer.from(json.proof[0], 'base64');
    raw[0] ^= 0x01;
    json.proof[0] = raw.toString('base64');
    await route.fulfill({ response, json });
  });
  v = await verify();
  check(v.verdict === 'bad' && v.steps[6] === 'bad', `a wrong proof gives a red verdict at the root step: ${v.steps.join(',')} ${v.text}`);
  check(v.text.includes('KHÔNG KIỂM CHỨNG ĐƯỢC'), 'red verdict in Vietnamese');
  await shot('06-wrong-proof');
  await page.unroute('**/v1/proof/inclusion?**');

  // A proof with one hash too few: red.
  await page.route('**/v1/proof/inclusion?**', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.proof.pop();
    await route.fulfill({ response, json });
  });
  v = await verify();
  check(v.verdict === 'bad' && v.steps[6] === 'bad', `a shortened proof is red: ${v.steps.join(',')}`);
  await page.unroute('**/v1/proof/inclusion?**');

  // A checkpoint with a changed root (signature no longer matches): red at the signature step.
  await page.route('**/checkpoint', async (route) => {
    const response = await route.fetch();
    const lines = (await response.text()).split('\n');
    const root = Buffer.from(lines[2], 'base64');
    root[31] ^= 0x80;
    lines[2] = root.toString('base64');
    await route.fulfill({ response, body: lines.join('\n') });
  });
  v = await verify();
  check(v.verdict === 'bad' && v.steps[3] === 'bad', `a forged checkpoint is red at the signature step: ${v.steps.join(',')}`);
  await page.unroute('**/checkpoint');

  // Entry bytes changed by the server (a quantity), leaf hash recomputed: red at the root step.
  await page.route(`**/v1/entries/${seq}`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.entry = json.entry.replace(/\\"quantity\\":\\"(\d)/, (m, d) => m.slice(0, -1) + String((Number(d) + 1) % 10));
    await route.fulfill({ response, json });
  });
  v = await verify();
  check(v.verdict === 'bad' && v.steps[0] === 'ok' && v.steps[6] === 'bad', `altered entry bytes are red: ${v.steps.join(',')}`);
  await page.unroute(`**/v1/entries/${seq}`);

  // Back to green once the answers are honest.
  v = await verify();
  check(v.verdict === 'ok', 'green again with honest answers');

  // The log grows by three entries: the browser checks the consistency proof from the
  // checkpoint it verified before to the new one.
  const oldCheckpoint = await (await fetch(`${base}/checkpoint`)).text();
  const sizeBefore = Number(oldCheckpoint.split('\n')[1]);
  const lines = [1, 2, 3].map((i) => JSON.stringify({
    type: 'participant.register', id: `reg-browser-test-${i}`, actor: 'authority', at: new Date(Date.now() - 60000).toISOString(),
    participant: `browser-test-${i}`, role: 'inspector', legal_name: `Browser test inspector ${i}`,
    keys: [Buffer.from(crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x, 'base64url').toString('base64')],
  }));
  const payloads = path.join(dir, 'grow.jsonl');
  fs.writeFileSync(payloads, `${lines.join('\n')}\n`);
  run(['submit', '--key', path.join(data, 'keys', 'authority.key'), '--server', base, payloads]);
  v = await verify();
  const consistency = await page.locator('#verify-steps li').nth(7).innerText();
  check(v.verdict === 'ok' && consistency.includes(`${sizeBefore + 3}`) && consistency.includes('tăng từ'),
    `after the log grew from ${sizeBefore}, the consistency proof checks: ${consistency.replace(/\s+/g, ' ')}`);
  const remembered = await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('vigil.checkpoint.'))));
  check(JSON.parse(remembered).size === String(sizeBefore + 3), 'the browser remembers the newest verified checkpoint');
  // A server that now shows the old, smaller (validly signed) checkpoint is caught: rollback.
  await page.route('**/checkpoint', (route) => route.fulfill({ status: 200, contentType: 'text/plain; charset=utf-8', body: oldCheckpoint }));
  v = await verify();
  check(v.verdict === 'bad' && v.steps[3] === 'ok' && v.steps[6] === 'ok' && v.steps[7] === 'bad',
    `an older checkpoint after a newer one is red at the consistency step: ${v.steps.join(',')} ${v.text}`);
  await page.unroute('**/checkpoint');

  // The pinned verifier key: first use from the server, labelled so; a wrong pinned key is red.
  await page.goto(`${base}/#/trust`);
  await page.waitForSelector('#pinned-key');
  check((await text('#pinned-key')) === verifierKey, 'the first-use pin is the key vigil init printed');
  check((await text('main')).includes('CHƯA được đối chiếu độc lập'), 'a first-use pin is labelled as not independently compared');
  const other = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const otherRaw = Buffer.concat([Buffer.from([1]), Buffer.from(other.x, 'base64url')]);
  const otherHash = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${ORIGIN}\n`), otherRaw])).digest().subarray(0, 4).toString('hex');
  await page.fill('#vkey', `${ORIGIN}+${otherHash}+${otherRaw.toString('base64')}`);
  await page.click('#pin-button');
  await page.waitForSelector('#trust-msg .notice');
  check((await text('main')).includes('KHÁC khóa đang ghim'), 'a pinned key that differs from the server\'s is flagged');
  await page.goto(`${base}/#/entry/${seq}`);
  await page.waitForSelector('#verify-button');
  v = await verify();
  check(v.verdict === 'bad' && v.steps[3] === 'bad', `a wrong pinned verifier key is red at the signature step: ${v.steps.join(',')}`);
  await shot('07-wrong-key');
  await page.goto(`${base}/#/trust`);
  await page.waitForSelector('#vkey');
  await page.fill('#vkey', 'not a key');
  await page.click('#pin-button');
  await page.waitForSelector('#trust-msg .notice.error');
  check(true, 'a malformed verifier key is refused');
  await page.fill('#vkey', verifierKey);
  await page.click('#pin-button');
  await page.waitForFunction(() => document.querySelector('main').innerText.includes('đã được người dùng đối chiếu'));
  check(true, 'the right key is pinned and confirmed');
  await page.goto(`${base}/#/entry/${seq}`);
  await page.waitForSelector('#verify-button');
  v = await verify();
  check(v.verdict === 'ok', 'green with the confirmed key');

  // Witnesses (C2SP tlog-cosignature v1). A witness key made here, its cosignature computed here
  // from the spec (key hash over name, newline, 0x04 and the key; 8-byte big-endian time; Ed25519
  // over "cosignature/v1\ntime <t>\n" + body): an independent implementation of what the page checks.
  const witness = crypto.generateKeyPairSync('ed25519');
  const wName = 'witness.test/w1';
  const wRaw = Buffer.concat([Buffer.from([4]), Buffer.from(witness.publicKey.export({ format: 'jwk' }).x, 'base64url')]);
  const wHash = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${wName}\n`), wRaw])).digest().subarray(0, 4);
  const wKey = `${wName}+${wHash.toString('hex')}+${wRaw.toString('base64')}`;
  const cosign = (note, time) => {
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    const t8 = Buffer.alloc(8);
    t8.writeBigUInt64BE(BigInt(time));
    const sig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime ${time}\n${body}`), witness.privateKey);
    return `${note}\u2014 ${wName} ${Buffer.concat([wHash, t8, sig]).toString('base64')}\n`;
  };
  await page.goto(`${base}/#/trust`);
  await page.waitForSelector('#witness-vkey');
  await page.fill('#witness-vkey', verifierKey);  // a log key is not a witness key
  await page.click('#witness-add');
  await page.waitForSelector('#witness-msg .notice.error');
  check((await text('#witness-msg')).includes('type 0x04'), 'a log key offered as a witness key is refused');
  await page.fill('#witness-vkey', wKey);
  await page.click('#witness-add');
  await page.waitForFunction((k) => document.querySelector('#witness-list')?.innerText.includes(k), wKey);
  check(true, 'a witness key is pinned');
  await shot('07b-witness-pinned');
  await page.goto(`${base}/#/entry/${seq}`);
  await page.waitForSelector('#verify-button');
  // The server's checkpoint carries no cosignature: below the quorum, not believed.
  v = await verify();
  check(v.verdict === 'bad' && v.steps[3] === 'ok' && v.steps[4] === 'bad' && v.text.includes('0 trên 1'),
    `a checkpoint no pinned witness cosigned is red at the witness step: ${v.steps.join(',')} ${v.text}`);
  // The same checkpoint with the witness's cosignature: green, and the verdict says so.
  await page.route('**/checkpoint', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: cosign(await response.text(), Math.floor(Date.now() / 1000)) });
  });
  v = await verify();
  check(v.verdict === 'ok' && v.steps.every((x) => x === 'ok') && v.text.includes('1 trên 1 nhân chứng'),
    `a checkpoint the pinned witness cosigned is green: ${v.steps.join(',')} ${v.text}`);
  await shot('07c-cosigned');
  await page.unroute('**/checkpoint');
  // A cosignature claimed for another time than the one signed: red.
  await page.route('**/checkpoint', async (route) => {
    const response = await route.fetch();
    const lines = cosign(await response.text(), 1700000000).split('\n');
    const last = lines.length - 2;
    const blob = Buffer.from(lines[last].split(' ')[2], 'base64');
    blob[11] ^= 0x01;
    lines[last] = `\u2014 ${wName} ${blob.toString('base64')}`;
    await route.fulfill({ response, body: lines.join('\n') });
  });
  v = await verify();
  check(v.verdict === 'bad' && v.steps[4] === 'bad', `a cosignature with an altered time is red: ${v.steps.join(',')} ${v.text}`);
  await page.unroute('**/checkpoint');
  // Unpinned again: the log's signature alone, as before.
  await page.goto(`${base}/#/trust`);
  await page.waitForSelector('#witness-list button');
  await page.click('#witness-list button');
  await page.waitForFunction(() => !document.querySelector('#witness-list button'));
  await page.goto(`${base}/#/entry/${seq}`);
  await page.waitForSelector('#verify-button');
  v = await verify();
  check(v.verdict === 'ok', 'green again with no witness pinned');

  // English, throughout.
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  check((await text('h1')).includes(`Ledger entry ${seq}`), 'English toggle: entry title');
  const recordEn = await text('#record');
  check(['Purchase', 'Chemical', 'Quantity', 'Party outside the ledger', 'Documents'].every((w) => recordEn.includes(w)), 'English toggle: the record');
  v = await verify();
  check(v.verdict === 'ok' && v.text.includes('VERIFIED'), 'English verdict');
  await page.goto(`${base}/#/alerts`);
  await page.waitForFunction(() => /Count differs from ledger/.test(document.querySelector('#alert-list')?.innerText || ''));
  check(true, 'alerts dashboard in English');
  check(/\d{2}\/\d{2}\/\d{4}/.test(await text('#alert-list')), 'dates in en-GB format');
  await shot('08-alerts-en');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'vi' && /Nhận thiếu so với số đã xuất/.test(document.querySelector('#alert-list')?.innerText || ''));
  const alertsVi = await text('#alert-list');
  check(alertsVi.includes('Vượt ngưỡng cộng dồn') && alertsVi.includes('Nhận thiếu so với số đã xuất'), 'alerts dashboard in Vietnamese');
  await page.selectOption('#alert-kind', 'count_mismatch');
  await page.click('#alert-filter button[type=submit]');
  await page.waitForFunction(() => {
    const badges = [...document.querySelectorAll('#alert-list li .badge')];
    return location.hash.includes('kind=count_mismatch') && badges.length > 0 && badges.every((b) => b.innerText === 'Số kiểm đếm khác sổ');
  });
  const kinds = await page.locator('#alert-list li .badge').allInnerTexts();
  check(kinds.length >= 1 && kinds.every((k) => k === 'Số kiểm đếm khác sổ'), `the kind filter works (${kinds.length} alerts)`);
  await shot('09-alerts');

  // A phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/#/p/cty-hoachat-an-phu`);
  await page.waitForSelector('#stock-chart svg.chart circle');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `phone layout has no horizontal overflow (${overflow} px)`);
  await shot('10-phone-participant');

  // The key never left the browser and is not in web storage.
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  check(!storage.includes(seedB64), 'the key is in neither localStorage nor sessionStorage');
  const leaked = sent.filter((r) => r.url.includes(seedB64) || r.body.includes(seedB64) || JSON.stringify(r.headers).includes(seedB64));
  check(sent.length > 20 && leaked.length === 0, `no request carried the key (${sent.length} requests)`);
  const signedReqs = sent.filter((r) => r.headers['signature-input']);
  check(signedReqs.length > 10 && signedReqs.every((r) => r.headers['signature-input'].includes('alg="ed25519"')), `${signedReqs.length} requests were signed`);

  // Sign out forgets the key: the data routes need signing in again.
  await page.click('#signout');
  await page.waitForSelector('#signin');
  await page.goto(`${base}/#/p/cty-hoachat-an-phu`);
  await page.waitForSelector('#signin');
  check(true, 'after sign-out the page asks for the key file again');
  // Signing in again returns to the view that asked for it.
  await page.setInputFiles('#keyfile', [inspectorKey, inspectorPub]);
  await page.click('#signin-button');
  await page.waitForSelector('#stock-chart svg.chart');
  check((await text('h1')) === 'Công ty TNHH Hóa chất An Phú', 'after signing in again the page returns to the participant asked for');
  await page.click('#signout');
  await page.waitForSelector('#signin');

  // A business key: its own page only; the search says so; another business is refused (403).
  await page.setInputFiles('#keyfile', demoKey('karaoke-hoa-mi'));
  await page.click('#signin-button');
  await page.waitForSelector('#new-menu');
  check((await text('h1')) === 'Bàn làm việc của doanh nghiệp', 'a business lands on its workspace');
  await page.click('#my-page');
  await page.waitForSelector('#facts');
  check((await text('h1')) === 'Công ty TNHH Dịch vụ Giải trí Họa Mi', 'its own page opens from the workspace');
  // Straight on, without waiting for the own page to finish loading: a view that finishes after
  // the user has moved on must not draw over the search (app.js routeSeq).
  await page.goto(`${base}/#/search`);
  await page.waitForSelector('#results .notice.info');
  check((await text('#results')).includes('chỉ xem được hồ sơ của chính mình'), 'a business is told it sees only its own records');
  await page.goto(`${base}/#/p/cty-hoachat-an-phu`);
  await page.waitForSelector('main .notice.error');
  check((await text('main')).includes('Lỗi 403'), 'another business\'s page is refused (403)');
  await page.click('#signout');
  await page.waitForSelector('#signin');
  // A rotated-out (revoked) key is refused at sign-in with the server's reason.
  await page.setInputFiles('#keyfile', demoKey('karaoke-hoa-mi.old'));
  await page.click('#signin-button');
  await page.waitForSelector('#signin-status .notice.error');
  check((await text('#signin-status')).includes('revoked'), `a revoked key is refused: ${await text('#signin-status')}`);

  // A passphrase-protected key file (vigil keygen --passphrase): Argon2id + XChaCha20-Poly1305
  // in the page (the vendored noble.js). No passphrase, then a wrong one, then the right one.
  await page.setInputFiles('#keyfile', sealedKey);
  await page.fill('#passphrase', '');
  await page.click('#signin-button');
  await page.waitForFunction(() => document.querySelector('#signin-status')?.textContent.includes('cụm mật khẩu'));
  check((await text('#signin-status')).includes('hãy nhập cụm mật khẩu'), 'a protected key file without its passphrase asks for it');
  await page.setInputFiles('#keyfile', sealedKey);
  await page.fill('#passphrase', 'sai rồi');
  let t0 = Date.now();
  await page.click('#signin-button');
  await page.waitForFunction(() => document.querySelector('#signin-status')?.textContent.includes('Sai cụm mật khẩu'), null, { timeout: 120000 });
  check(true, `a wrong passphrase is refused with a message (${Date.now() - t0} ms)`);
  check((await page.inputValue('#passphrase')) === '', 'the passphrase field is emptied after use');
  await page.setInputFiles('#keyfile', sealedKey);
  await page.fill('#passphrase', PASSPHRASE);
  t0 = Date.now();
  await page.click('#signin-button');
  await page.waitForSelector('#who-name', { timeout: 120000 });
  const whoSealed = await text('#who-name');
  check(whoSealed.includes('KTV-0217'), `signed in with the passphrase-protected key file in ${Date.now() - t0} ms: ${whoSealed}`);
  await page.click('#signout');
  await page.waitForSelector('#signin');

  checkConsole(consoleErrors);
} catch (e) {
  await page?.screenshot({ path: path.join(shots, 'zz-failure.png'), fullPage: true }).catch(() => {});
  check(false, `unexpected: ${e.stack || e}${consoleErrors.length ? `\nbrowser console: ${consoleErrors.join(" | ")}` : ""}`);
} finally {
  await browser.close();
  cleanup();
}
finish();
