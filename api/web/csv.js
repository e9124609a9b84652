// Vigil web pages: CSV upload (#/csv, docs/explorer.md "CSV upload"). The same file and columns
// as `vigil submit` (docs/csv.md): the server turns the rows into payloads (POST /v1/csv, one
// implementation: ledger/csv_import.h), the page signs each one with the clerk's key, previews
// every row with its dry-run verdict (POST /v1/entries:batch?dry_run=true, cumulative), sends
// only the rows that would be accepted (POST /v1/entries:batch) and shows each row's result.
// Ids are deterministic, so uploading the same file again appends nothing new: each row is
// answered with its original receipt.
import {
  t, h, show, notice, badge, link, entryLink, typeName, enc, signatureHeaders, ApiError,
  query, addTexts, registerView, postJson, catalog,
  currentRoute, isCurrent,
} from './core.js';
import { field, select, sign, download } from './forms.js';
import { ruleLine } from './rules.js';

addTexts({
  'csv.title': ['Gửi sổ theo dõi dạng CSV', 'Upload a CSV book'],
  'csv.intro': ['Chọn tệp CSV xuất từ bảng tính (mã UTF-8, phân cách bằng dấu phẩy, dòng đầu là tên cột như docs/csv.md). Mỗi dòng được chuyển thành một bản ghi, ký bằng khóa của bạn, kiểm tra thử với máy chủ; chỉ các dòng hợp lệ được gửi. Gửi lại cùng tệp là an toàn: dòng đã có trong sổ không bị ghi lần hai.', 'Choose a CSV file exported from your spreadsheet (UTF-8, comma separated, first row the column names of docs/csv.md). Each row becomes a record, signed with your key and dry-run by the server; only good rows are sent. Uploading the same file again is safe: rows already in the ledger are not written twice.'],
  'csv.file': ['Tệp CSV', 'CSV file'],
  'csv.type': ['Loại bản ghi cho các dòng không có cột "type"', 'Record type of rows without a "type" cell'],
  'csv.fromfile': ['— theo cột "type" của tệp —', '— from the file\'s "type" column —'],
  'csv.read': ['Đọc tệp và kiểm tra thử', 'Read the file and dry run'],
  'csv.reading': ['Đang đọc và kiểm tra thử {n} dòng…', 'Reading and dry-running {n} rows…'],
  'csv.row': ['Dòng', 'Row'], 'csv.id': ['Số hiệu', 'Id'], 'csv.verdict': ['Kiểm tra thử', 'Dry run'], 'csv.result': ['Kết quả gửi', 'Result'],
  'csv.ok': ['hợp lệ', 'good'], 'csv.dup': ['đã có trong sổ', 'already in the ledger'], 'csv.invalid': ['dòng sai, không gửi', 'bad row, not sent'],
  'csv.refused': ['bị từ chối', 'refused'], 'csv.noverdict': ['chưa kiểm tra thử', 'not dry-run'],
  'csv.send': ['Gửi {n} dòng hợp lệ', 'Send the {n} good rows'],
  'csv.nothing': ['Không có dòng hợp lệ nào để gửi.', 'No good row to send.'],
  'csv.sending': ['Đang gửi {n} dòng…', 'Sending {n} rows…'],
  'csv.new': ['đã ghi: mục {seq}', 'written: entry {seq}'], 'csv.again': ['đã có: mục {seq}', 'already there: entry {seq}'],
  'csv.summary': ['{new} dòng ghi mới, {again} dòng đã có trong sổ, {refused} dòng bị từ chối, {invalid} dòng sai.', '{new} rows written, {again} already in the ledger, {refused} refused, {invalid} bad rows.'],
  'csv.preview': ['{good} dòng hợp lệ, {bad} dòng bị từ chối khi kiểm tra thử, {invalid} dòng sai.', '{good} good rows, {bad} refused by the dry run, {invalid} bad rows.'],
  'csv.receipts': ['Tải các biên nhận (JSON lines)', 'Download the receipts (JSON lines)'],
  'csv.filebad': ['Máy chủ không đọc được tệp (HTTP {status}): {detail}', 'The server could not read the file (HTTP {status}): {detail}'],
});

const TYPES = ['chem.purchase', 'chem.sale', 'chem.dispatch', 'chem.receipt', 'chem.use', 'chem.dispose', 'chem.loss', 'chem.stocktake', 'correction'];

// POST of `text` to `path`, signed like every request of the page (docs/api.md "Signing
// requests"). Returns {status, body} (the body parsed when JSON).
async function signedPost(path, text, contentType) {
  const url = new URL(path, location.origin);
  const bytes = enc.encode(text);
  const headers = { ...(await signatureHeaders('POST', url.pathname + url.search, bytes)), 'Content-Type': contentType };
  let res;
  try {
    res = await fetch(url, { method: 'POST', body: bytes, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch (e) {
    throw new ApiError(0, e.message);
  }
  const body = await res.text();
  let json = null;
  try { json = JSON.parse(body); } catch { /* not JSON */ }
  return { status: res.status, body: json ?? { detail: body.slice(0, 300) } };
}

const noRoute = (a) => a.status === 404 && /no_route/.test(a.body?.type || '');

// Dry-run verdicts for `bodies`, row i judged after rows < i (the batch route); without that
// route, one dry run per body; without dry runs at all, nulls.
async function dryRunAll(bodies) {
  if (!bodies.length) return [];
  const a = await postJson('/v1/entries:batch?dry_run=true', { entries: bodies });
  if (a.status === 200 && Array.isArray(a.body?.results)) return a.body.results;
  if (!noRoute(a)) return bodies.map(() => ({ problem: a }));
  const out = [];
  for (const b of bodies) {
    const one = await postJson('/v1/entries?dry_run=true', b);
    out.push(noRoute(one) ? null : one.status === 200 ? one.body : { problem: one });
  }
  return out;
}
// Sends `bodies`: [{status, receipt} | {status, problem}] per body.
async function sendAll(bodies) {
  const a = await postJson('/v1/entries:batch', { entries: bodies });
  if (a.status === 200 && Array.isArray(a.body?.results)) return a.body.results;
  if (!noRoute(a)) return bodies.map(() => ({ status: a.status, problem: a.body }));
  const out = [];
  for (const b of bodies) {
    const one = await postJson('/v1/entries', b);
    out.push(one.status < 300 ? { status: one.status, receipt: one.body } : { status: one.status, problem: one.body });
  }
  return out;
}

function violationsOf(problem) {
  const b = problem?.body ?? problem ?? {};
  if (b.violations?.length) return h('ul', { class: 'violations' }, b.violations.map((v) => h('li', { 'data-code': v.code }, ruleLine(v))));
  return h('span', {}, b.detail || b.title || '');
}
function verdictCell(v) {
  if (v === undefined) return '';
  if (v === null) return badge(t('csv.noverdict'));
  if (v.problem) return [badge(t('csv.refused'), 'bad'), ' ', violationsOf(v.problem)];
  if (v.accepted) return badge(v.duplicate ? t('csv.dup') : t('csv.ok'), 'ok');
  return [badge(t('csv.refused'), 'bad'), ' ', violationsOf(v)];
}

async function viewCsv() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  await catalog();
  const file = h('input', { type: 'file', id: 'csv-file', accept: '.csv,text/csv', required: true });
  const type = select('csv-type', [['', t('csv.fromfile')], ...TYPES.map((x) => [x, typeName(x)])], '');
  const out = h('div', { id: 'csv-out', 'aria-live': 'polite' });
  const form = h('form', {
    class: 'card', id: 'csv-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const f = file.files[0];
      if (!f) return;
      out.replaceChildren(h('p', { class: 'spinner' }, t('csv.reading', { n: '…' })));
      try {
        await readAndPreview(await f.text(), type.value, out);
      } catch (e) {
        out.replaceChildren(notice('error', e.message));
      }
    },
  }, h('p', {}, t('csv.intro')), field('csv-file', t('csv.file'), file), field('csv-type', t('csv.type'), type),
  h('p', {}, h('button', { type: 'submit', id: 'csv-read' }, t('csv.read'))));
  if (isCurrent(seq)) show(h('p', {}, link('#/work', t('w.back'))), h('h1', {}, t('csv.title')), form, out);
}

async function readAndPreview(text, type, out) {
  const conv = await signedPost(`/v1/csv${query({ type })}`, text, 'text/csv; charset=utf-8');
  if (conv.status !== 200) {
    out.replaceChildren(notice('error', t('csv.filebad', { status: conv.status, detail: conv.body.detail || '' })));
    return;
  }
  const rows = conv.body.rows;
  out.replaceChildren(h('p', { class: 'spinner' }, t('csv.reading', { n: rows.length })));
  // Sign every good row's payload (keys sorted: the bytes `vigil submit` signs).
  for (const r of rows) if (r.payload) r.body = await sign(r.payload);
  const signed = rows.filter((r) => r.body);
  const verdicts = await dryRunAll(signed.map((r) => r.body));
  signed.forEach((r, i) => { r.verdict = verdicts[i]; });
  const good = signed.filter((r) => r.verdict === null || r.verdict?.accepted === true);
  const invalid = rows.filter((r) => r.error).length;
  const resultCells = new Map();
  const tbody = h('tbody', {}, rows.map((r) => {
    const cell = h('td', { class: 'result' });
    resultCells.set(r, cell);
    return h('tr', { 'data-row': String(r.row), 'data-verdict': r.error ? 'invalid' : r.verdict === null ? 'none' : r.verdict?.accepted ? (r.verdict.duplicate ? 'duplicate' : 'ok') : 'refused' },
      h('td', { class: 'num' }, String(r.row)),
      h('td', {}, r.payload ? typeName(r.payload.type) : ''),
      h('td', { class: 'mono' }, r.payload?.id || ''),
      h('td', {}, r.error ? [badge(t('csv.invalid'), 'bad'), ' ', r.error] : verdictCell(r.verdict)),
      cell);
  }));
  const summary = h('div', { id: 'csv-summary', 'aria-live': 'polite' });
  const sendButton = h('button', { type: 'button', id: 'csv-send', disabled: !good.length || undefined }, good.length ? t('csv.send', { n: good.length }) : t('csv.nothing'));
  sendButton.addEventListener('click', async () => {
    sendButton.disabled = true;
    summary.replaceChildren(h('p', { class: 'spinner' }, t('csv.sending', { n: good.length })));
    const results = await sendAll(good.map((r) => r.body));
    const counts = { new: 0, again: 0, refused: signed.length - good.length, invalid };
    const receipts = [];
    good.forEach((r, i) => {
      const res = results[i] || {};
      const cell = resultCells.get(r);
      if (res.status === 201 || res.status === 200) {
        counts[res.status === 201 ? 'new' : 'again']++;
        receipts.push(JSON.stringify({ row: r.row, id: r.payload.id, status: res.status, receipt: res.receipt }));
        cell.replaceChildren(badge(t(res.status === 201 ? 'csv.new' : 'csv.again', { seq: res.receipt.seq }), 'ok'), ' ', entryLink(res.receipt.seq));
        cell.parentElement.dataset.result = res.status === 201 ? 'new' : 'again';
      } else {
        counts.refused++;
        cell.replaceChildren(badge(`${t('csv.refused')} (HTTP ${res.status})`, 'bad'), ' ', violationsOf(res.problem));
        cell.parentElement.dataset.result = 'refused';
      }
    });
    summary.replaceChildren(notice(counts.refused || counts.invalid ? 'warn' : 'info', t('csv.summary', counts)),
      receipts.length ? h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'csv-receipts', onclick: () => download('vigil-receipts.jsonl', `${receipts.join('\n')}\n`, 'application/x-ndjson') }, t('csv.receipts'))) : null);
  });
  out.replaceChildren(
    notice('info', t('csv.preview', { good: good.length, bad: signed.length - good.length, invalid })),
    h('div', { class: 'table-wrap' }, h('table', { id: 'csv-rows' },
      h('thead', {}, h('tr', {}, [t('csv.row'), t('col.type'), t('csv.id'), t('csv.verdict'), t('csv.result')].map((c) => h('th', {}, c)))), tbody)),
    h('p', {}, sendButton), summary);
}

registerView(/^\/csv$/, viewCsv);

export { viewCsv, signedPost };
