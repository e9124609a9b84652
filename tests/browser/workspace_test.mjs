// Browser test of the business clerk's workspace (docs/explorer.md "The business workspace"):
// Debian's headless chromium, driven by npm playwright-core, against a real `vigil serve` over
// the demo data (`vigil init` + `vigil demo --offline` in a temporary directory).
//
// Usage: node workspace_test.mjs PATH/TO/vigil SCREENSHOT_DIR
//
// The demo trader (An Phú) signs in and lands on its workspace; files a purchase by form (the
// signed JSON and the dry run shown before sending), verifies its receipt in the browser and
// downloads it; is refused a sale beyond its stock with the rule's Vietnamese text (dry run and
// send); sells to a person with personal side data committed in the browser (the police read
// it back); uploads a CSV with one bad row (good rows land, the bad row shows its Vietnamese
// rule text, a rerun adds nothing); dispatches to the paint factory, whose clerk receives less
// from its inbound list (the short receipt asks for an explanation); the factory prepares a
// disposal whose witness cosigns it in a second browser context from the draft file. Server
// state is checked through the API (log size, entries, transfers, personal data) with requests
// signed here as docs/api.md describes. A missing browser or npm module is a FAILURE, never a
// skip. Prints "N passed, M failed" and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORIGIN, check, finish, fatal, setUp, runVigil, serve, launch, collectErrors, checkConsole } from './harness.mjs';

const { vigil, shots, chromium } = setUp('workspace_test.mjs');

// ---- a demo ledger, served on a free loopback port ---------------------------------------------

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-workspace-'));
const data = path.join(dir, 'data');
const run = (args, env) => runVigil(vigil, args, env);
run(['init', '--data', data, '--origin', ORIGIN, '--province', 'Hà Nội']);
run(['demo', '--data', data, '--offline']);
const TRADER = 'cty-hoachat-an-phu';
const FACTORY = 'nha-may-son-ha-dong';
const WITNESS = 'giamsat-snnmt-gs031';
const POLICE = 'congan-pc04-cb1187';
const keyFiles = (name) => [path.join(data, 'demo-keys', `${name}.key`), path.join(data, 'demo-keys', `${name}.pub`)];
for (const n of [TRADER, FACTORY, WITNESS, POLICE]) {
  if (!fs.existsSync(keyFiles(n)[0])) fatal(`no demo key for ${n} under ${data}/demo-keys`);
}

const { base, cleanup } = await serve(vigil, data, dir);
console.log(`server ${base}, data ${data}, screenshots ${shots}`);

// ---- the API, with requests signed here (docs/api.md "Signing requests") ---------------------

function nodeKey(name) {
  const seed = Buffer.from(fs.readFileSync(keyFiles(name)[0], 'utf8').trim().split(' ')[1], 'base64');
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const pub = Buffer.from(crypto.createPublicKey(privateKey).export({ format: 'jwk' }).x, 'base64url');
  return { privateKey, keyId: crypto.createHash('sha256').update(pub).digest('hex').slice(0, 16) };
}
async function signedGet(target, name) {
  const k = nodeKey(name);
  const q = target.indexOf('?');
  const digest = `sha-256=:${crypto.createHash('sha256').update('').digest('base64')}:`;
  const params = `("@method" "@path" "@query" "content-digest");created=${Math.floor(Date.now() / 1000)};keyid="${k.keyId}";alg="ed25519";nonce="${crypto.randomBytes(12).toString('hex')}"`;
  const sigBase = `vigil/v2/request\n${ORIGIN}\n"@method": GET\n"@path": ${q < 0 ? target : target.slice(0, q)}\n"@query": ${q < 0 ? '?' : target.slice(q)}\n` +
    `"content-digest": ${digest}\n"@signature-params": ${params}`;
  const sig = crypto.sign(null, Buffer.from(sigBase), k.privateKey).toString('base64');
  const res = await fetch(base + target, { headers: { 'Content-Digest': digest, 'Signature-Input': `vigil=${params}`, Signature: `vigil=:${sig}:` } });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${target} as ${name}: ${res.status} ${body}`);
  return JSON.parse(body);
}
const logSize = async () => (await (await fetch(`${base}/v1/log`)).json()).size;
const entryPayload = async (seq, name) => JSON.parse(JSON.parse((await signedGet(`/v1/entries/${seq}`, name)).entry).payload);
const entryOf = async (seq, name) => JSON.parse((await signedGet(`/v1/entries/${seq}`, name)).entry);

// ---- the browser -------------------------------------------------------------------------------

const browser = await launch(chromium, cleanup);

const consoleErrors = [];
let page;
let witnessPage;
const stamp = Date.now().toString(36).toUpperCase();
try {
  const newPage = async (viewport = { width: 1280, height: 900 }) => {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
    const p = await context.newPage();
    p.setDefaultTimeout(20000);
    collectErrors(p, consoleErrors);
    return p;
  };
  page = await newPage();
  const shot = async (name, p = page) => {
    const file = path.join(shots, `workspace-${name}.png`);
    await p.screenshot({ path: file, fullPage: true });
    console.log(`screenshot ${file}`);
  };
  const text = (sel, p = page) => p.locator(sel).first().innerText();
  const signIn = async (p, name) => {
    await p.goto(`${base}/`);
    await p.waitForSelector('#signin');
    await p.setInputFiles('#keyfile', keyFiles(name));
    await p.click('#signin-button');
    await p.waitForSelector('#who-name');
  };
  // Every field of the form has a label that names it.
  const unlabelled = (p) => p.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter((el) => el.type !== 'hidden' && !(el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim()))
    .map((el) => el.id || el.name || el.outerHTML.slice(0, 60)));
  // Reviews the form: the signed JSON and the dry run's verdict are shown.
  const review = async (p = page) => {
    await p.click('#review-button');
    await p.waitForSelector('#review #dry-run .notice, #review > .notice.error');
  };

  // ---- 1. sign in: the trader lands on its workspace -------------------------------------------
  await signIn(page, TRADER);
  await page.waitForSelector('#new-menu');
  check((await text('h1')) === 'Bàn làm việc của doanh nghiệp', 'the business lands on its workspace (Vietnamese)');
  check((await text('#stock')).includes('Axeton'), 'the workspace shows its stock');
  await shot('01-home');

  // ---- 2. a purchase by form; receipt verified in the browser and downloaded ---------------------
  await page.click('#new-menu a[href="#/new/chem.purchase"]');
  await page.waitForSelector('#record-form[data-type="chem.purchase"]');
  check((await unlabelled(page)).length === 0, `every field of the purchase form has a label${(await unlabelled(page)).join(', ')}`);
  const purchaseId = `WEB-MUA-${stamp}`;
  await page.fill('#f-id', purchaseId);
  await page.selectOption('#f-substance', '67-64-1');
  check((await page.locator('#f-unit option').allInnerTexts()).join(',') === 'L,mL', 'units follow the substance (acetone: L, mL)');
  await page.fill('#f-quantity', '12.500');
  await page.fill('#f-party-name', 'Công ty TNHH Hóa chất Hưng Thịnh');
  await page.fill('#f-party-enterprise_code', '0102578134');
  const sizeBefore = await logSize();
  await review();
  const signed = JSON.parse(await text('#signed-json'));
  check(signed.quantity === '12.500' && signed.unit === 'L' && signed.actor === TRADER && signed.id === purchaseId && signed.party.country === 'VN',
    `the record is shown exactly as signed: ${JSON.stringify(signed).slice(0, 120)}`);
  check(Object.keys(signed).join(',') === Object.keys(signed).sort().join(','), 'the signed JSON has its keys sorted (the bytes vigil submit signs)');
  check(await page.locator('#dry-run [data-accepted="true"]').count() === 1, `the dry run says the server would accept it: ${await text('#dry-run')}`);
  check(await logSize() === sizeBefore, 'the dry run appended nothing');
  await shot('02-purchase-review');
  await page.click('#send-button');
  await page.waitForSelector('#receipt');
  const purchaseSeq = Number(await page.getAttribute('#receipt', 'data-seq'));
  check(await logSize() === sizeBefore + 1, 'the purchase was appended (log size + 1)');
  const stored = await entryPayload(purchaseSeq, TRADER);
  check(stored.id === purchaseId && stored.quantity === '12.500', `entry ${purchaseSeq} holds the purchase`);
  await page.click('#receipt-verify');
  await page.waitForSelector('#receipt-verdict .verdict', { timeout: 60000 });
  check(await page.locator('#receipt-verdict .verdict.ok').count() === 1, `the receipt verifies in the browser: ${await text('#receipt-verdict')}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#receipt-download')]);
  const receiptFile = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  check(receiptFile.receipt?.seq === purchaseSeq && JSON.parse(receiptFile.payload).id === purchaseId && typeof receiptFile.receipt.checkpoint === 'string',
    `the receipt downloads with its checkpoint (${dl.suggestedFilename()})`);
  await shot('03-purchase-receipt');

  // ---- 3. a refusal shows the rule's Vietnamese text (dry run and send) -------------------------
  await page.goto(`${base}/#/new/chem.sale`);
  await page.waitForSelector('#record-form[data-type="chem.sale"]');
  await page.selectOption('#f-substance', '67-64-1');
  await page.fill('#f-quantity', '999999');
  await page.fill('#f-party-name', 'Công ty TNHH Sơn Tổng hợp Hải Phòng');
  await page.fill('#f-party-enterprise_code', '0200581146');
  await review();
  check((await text('#dry-run')).includes('tồn kho sẽ bị âm'), `the dry run refuses with the Vietnamese rule text: ${await text('#dry-run')}`);
  const beforeRefused = await logSize();
  await page.click('#send-button');
  await page.waitForSelector('#send-result .refusal');
  const refusal = await text('#send-result');
  check(refusal.includes('HTTP 422') && refusal.includes('tồn kho sẽ bị âm') && refusal.includes('stock_negative'), `the refusal shows the Vietnamese rule text: ${refusal.slice(0, 160)}`);
  check(await logSize() === beforeRefused, 'the refused sale appended nothing');
  // The English toggle shows the same rule in English.
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent.startsWith('New record'));
  await page.selectOption('#f-substance', '67-64-1');
  await page.fill('#f-quantity', '999999');
  await page.fill('#f-party-name', 'Haiphong Paint');
  await page.fill('#f-party-enterprise_code', '0200581146');
  await review();
  check((await text('#dry-run')).includes('stock would go below zero'), 'in English the rule text is English');
  await shot('04-refusal');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent.startsWith('Lập bản ghi'));

  // ---- 4. personal side data: a sale to a person, committed in the browser ----------------------
  await page.goto(`${base}/#/new/chem.sale`);
  await page.waitForSelector('#record-form[data-type="chem.sale"]');
  await page.selectOption('#f-substance', '67-64-1');
  await page.fill('#f-quantity', '0.5');
  await page.fill('#f-party-name', 'Khách lẻ');
  await page.fill('#f-p-name', 'Nguyễn Văn Bình');
  await page.fill('#f-p-id', '001099012345');
  await review();
  const sale = JSON.parse(await text('#signed-json'));
  check(/^[A-Za-z0-9+/]{43}=$/.test(sale.personal_commitment || '') && !JSON.stringify(sale).includes('Bình'),
    'the sale carries only the commitment, never the name');
  await page.click('#send-button');
  await page.waitForSelector('#receipt');
  const saleSeq = Number(await page.getAttribute('#receipt', 'data-seq'));
  const personal = await signedGet(`/v1/personal/${saleSeq}`, POLICE);
  check(JSON.parse(personal.personal).buyer?.full_name === 'Nguyễn Văn Bình', 'the server accepted the commitment and the police read the personal data back');

  // ---- 5. CSV upload: one bad row; the good rows land; a rerun adds nothing ----------------------
  const csvPath = path.join(dir, 'so-theo-doi.csv');
  fs.writeFileSync(csvPath, [
    'type,id,at,substance,quantity,unit,party.name,party.country,note',
    `chem.purchase,CSV-${stamp}-1,${new Date(Date.now() - 3600e3).toISOString()},67-64-1,2.5,L,Hưng Thịnh,VN,"hóa đơn 0009181, lô A"`,
    `chem.purchase,CSV-${stamp}-2,${new Date(Date.now() - 3500e3).toISOString()},67-64-1,"12,5",L,Hưng Thịnh,VN,`,
    `chem.purchase,,${new Date(Date.now() - 3400e3).toISOString()},108-88-3,4,L,Hưng Thịnh,VN,`,
    `chem.purchase,CSV-${stamp}-4,28/11/2026 09:00,67-64-1,1,L,Hưng Thịnh,VN,`,
    '',
  ].join('\n'));
  const uploadCsv = async () => {
    await page.goto(`${base}/#/csv`);
    await page.waitForSelector('#csv-form');
    await page.setInputFiles('#csv-file', csvPath);
    await page.click('#csv-read');
    await page.waitForSelector('#csv-rows');
  };
  const beforeCsv = await logSize();
  await uploadCsv();
  check((await unlabelled(page)).length === 0, 'every field of the CSV form has a label');
  const verdictOf = (row) => page.getAttribute(`#csv-rows tr[data-row="${row}"]`, 'data-verdict');
  check(await verdictOf(2) === 'ok' && await verdictOf(4) === 'ok', 'the good rows pass the dry run');
  check(await verdictOf(3) === 'refused' && (await text('#csv-rows tr[data-row="3"]')).includes('số lượng sai dạng'), `the bad row shows its Vietnamese rule text: ${await text('#csv-rows tr[data-row="3"]')}`);
  check(await verdictOf(5) === 'invalid' && (await text('#csv-rows tr[data-row="5"]')).includes('RFC 3339'), 'a row with a bad time is not sent, with its reason');
  await shot('05-csv-preview');
  await page.click('#csv-send');
  await page.waitForSelector('#csv-summary .notice');
  check(await logSize() === beforeCsv + 2, 'exactly the two good rows landed');
  check(await page.getAttribute('#csv-rows tr[data-row="2"]', 'data-result') === 'new', 'row 2 reports its new entry');
  check(await page.getAttribute('#csv-rows tr[data-row="3"]', 'data-result') === null, 'the bad row was not sent');
  await shot('06-csv-sent');
  await uploadCsv();
  check(await verdictOf(2) === 'duplicate' && await verdictOf(4) === 'duplicate', 'on the rerun the dry run knows the rows are already in the ledger');
  await page.click('#csv-send');
  await page.waitForSelector('#csv-summary .notice');
  check(await logSize() === beforeCsv + 2, 'the rerun added nothing to the log');
  check(await page.getAttribute('#csv-rows tr[data-row="4"]', 'data-result') === 'again', 'the rerun answers with the original receipts');

  // ---- 6. a dispatch, and the receiver's short receipt from its inbound list --------------------
  const slip = `WEB-PKS-${stamp}`;
  await page.goto(`${base}/#/new/chem.dispatch`);
  await page.waitForSelector('#record-form[data-type="chem.dispatch"]');
  await page.selectOption('#f-substance', '67-64-1');
  await page.fill('#f-quantity', '10');
  await page.fill('#f-counterparty', FACTORY);
  await page.fill('#f-transfer_id', slip);
  await page.fill('#f-packaging', '1 can 10 L');
  await review();
  await page.click('#send-button');
  await page.waitForSelector('#receipt');
  const dispatchSeq = Number(await page.getAttribute('#receipt', 'data-seq'));
  check((await entryPayload(dispatchSeq, TRADER)).transfer_id === slip, `the dispatch is entry ${dispatchSeq}`);
  await page.click('#signout');

  await signIn(page, FACTORY);
  await page.waitForSelector(`#inbound li[data-transfer="${slip}"]`);
  check(true, 'the receiver sees the dispatch in its inbound list');
  await shot('07-inbound');
  await page.click(`#inbound li[data-transfer="${slip}"] a`);
  await page.waitForSelector('#record-form[data-type="chem.receipt"]');
  check(await page.inputValue('#f-quantity') === '10' && await page.inputValue('#f-substance') === '67-64-1' && (await text('#f-transfer')) === slip,
    'the receipt is pre-filled from the dispatch');
  await page.fill('#f-quantity', '8');
  await page.waitForSelector('#short:not([hidden])');
  check(true, 'receiving less than dispatched asks for an explanation');
  await page.click('#review-button');
  await page.waitForSelector('#review > .notice.error');
  check((await text('#review')).includes('Giải trình phần thiếu'), 'a short receipt without an explanation is not signed');
  await page.fill('#f-short-note', 'Một can bị rò rỉ trên đường, đã lập biên bản với lái xe');
  await review();
  check(JSON.parse(await text('#signed-json')).note.includes('rò rỉ'), 'the explanation is in the signed record');
  await page.click('#send-button');
  await page.waitForSelector('#receipt');
  const transfers = await signedGet('/v1/transfers?status=short', FACTORY);
  check(transfers.items.some((x) => x.transfer_id === slip), 'the API shows the transfer as received short');
  await shot('08-short-receipt');

  // ---- 7. a disposal, cosigned by the witness in a second browser context -----------------------
  await page.goto(`${base}/#/new/chem.dispose`);
  await page.waitForSelector('#record-form[data-type="chem.dispose"]');
  await page.selectOption('#f-substance', '67-64-1');
  await page.fill('#f-quantity', '1');
  await page.fill('#f-method', 'Thiêu hủy tại lò đốt chất thải nguy hại được cấp phép');
  await page.fill('#f-witness', WITNESS);
  await review();
  check((await text('#dry-run')).includes('tiêu hủy thiếu chữ ký người chứng kiến'), 'without the witness the dry run names the missing cosignature in Vietnamese');
  const disposalPayload = await text('#signed-json');
  const [draft] = await Promise.all([page.waitForEvent('download'), page.click('#draft-button')]);
  const draftPath = path.join(dir, draft.suggestedFilename());
  await draft.saveAs(draftPath);
  check(fs.readFileSync(draftPath, 'utf8').includes('"sig"') && !fs.readFileSync(draftPath, 'utf8').includes('seed'), 'the draft file carries the signed record, no key');
  await shot('09-disposal-draft');

  witnessPage = await newPage({ width: 360, height: 780 });
  await signIn(witnessPage, WITNESS);
  await witnessPage.goto(`${base}/#/cosign`);
  await witnessPage.waitForSelector('#draft-file');
  await witnessPage.setInputFiles('#draft-file', draftPath);
  await witnessPage.waitForSelector('#cosign-summary');
  check((await text('#draft-json', witnessPage)) === disposalPayload, 'the witness sees exactly the JSON the business signed');
  check((await text('#cosign-summary', witnessPage)).includes('Axeton'), 'and a readable summary');
  await witnessPage.waitForSelector('#dry-run .notice');
  await witnessPage.click('#cosign-button');
  await witnessPage.waitForSelector('#cosign-done .notice');
  await witnessPage.waitForSelector('#dry-run [data-accepted="true"]');
  check(true, 'once cosigned, the dry run accepts the disposal');
  const beforeDispose = await logSize();
  await witnessPage.click('#cosign-send');
  await witnessPage.waitForSelector('#receipt');
  const disposeSeq = Number(await witnessPage.getAttribute('#receipt', 'data-seq'));
  check(await logSize() === beforeDispose + 1, 'the witness sent it: log size + 1');
  const disposal = await entryOf(disposeSeq, FACTORY);
  check(JSON.parse(disposal.payload).witness === WITNESS && (disposal.cosigners || []).length === 1, `entry ${disposeSeq} is the disposal with one cosignature`);
  const overflow = await witnessPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the cosign page fits a 360 px screen (overflow ${overflow} px)`);
  await shot('10-witness-cosigned', witnessPage);

  // ---- 8. phone size and keyboard ---------------------------------------------------------------
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(`${base}/#/work`);
  await page.waitForSelector('#new-menu');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(wide <= 0, `the workspace fits a 360 px screen (overflow ${wide} px)`);
  await shot('11-phone-home');
  await page.goto(`${base}/#/new/chem.loss`);
  await page.waitForSelector('#record-form[data-type="chem.loss"]');
  await page.focus('#f-id');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement?.id) === 'f-at', 'the form is reachable with the keyboard (Tab from id to time)');
  const wideForm = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(wideForm <= 0, `the loss form fits a 360 px screen (overflow ${wideForm} px)`);
  await shot('12-phone-form');

  checkConsole(consoleErrors);
} catch (e) {
  await page?.screenshot({ path: path.join(shots, 'workspace-zz-failure.png'), fullPage: true }).catch(() => {});
  await witnessPage?.screenshot({ path: path.join(shots, 'workspace-zz-failure-witness.png'), fullPage: true }).catch(() => {});
  check(false, `unexpected: ${e.stack || e}${consoleErrors.length ? `\nbrowser console: ${consoleErrors.join(' | ')}` : ''}`);
} finally {
  await browser.close();
  cleanup();
}
finish();
