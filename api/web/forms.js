// Vigil web pages: generic form widgets and the record-signing flow every page that writes
// records shares (docs/explorer.md). Other pages (the inspector's field pages, the authority
// desk) may import them; the API:
//   field(id, label, input, hint?, required?) a labelled field (label for=, hint via
//                                            aria-describedby); label and hint are texts
//   textInput(id, attrs) / textArea(id, attrs) / select(id, [[value, text]...], value)
//   substancePicker(id, value?)              <select> of the catalogue (Vietnamese name, English
//                                            name, CAS); needs catalog() loaded
//   quantityInputs(prefix, picker)           {quantity, unit, row}: decimal text + the units of
//                                            the picked substance (kg g mg or L mL)
//   nowRfc3339()                             the current time as "YYYY-MM-DDThh:mm:ss+07:00"
//   localToRfc3339(v) / rfc3339ToLocal(v)    <input type=datetime-local> value <-> RFC 3339 +07:00
//   canonicalJson(value)                     core.js's, re-exported: the bytes `vigil submit` signs
//   baseAmount(q, unit) / pureAmount(q, unit, conc)  exact BigInt amounts in mg or µL
//   personalSide(text)                       {personal, personal_salt, commitment}: §7 of
//                                            records.md computed with WebCrypto
//   sign(payload, side?)                     the append body, payload = canonicalJson(payload)
//   dryRun(body) / submit(body)              POST /v1/entries?dry_run=true / POST /v1/entries
//   verdictView(answer) / problemView(answer)  a dry-run verdict or a refusal, rules in the
//                                            reader's language (rules.js)
//   receiptView(body, receipt)               the receipt, its in-browser verification, a download
//   download(name, text)                     saves a text file from the page
//   reviewAndSend(box, build, opts)          the whole flow: build → show the signed JSON and the
//                                            dry run's verdict → send → receipt
// Every text goes through t(); nothing from the server is parsed as HTML.
import {
  state, t, fieldName, typeName, h, append, notice, badge, link, entryLink, fmtTime, fmtInt, substanceName, enc,
  b64encode, concat, sha256, canonicalJson, signRecord, postJson, verifyEntry, addTexts, catalog,
} from './core.js';
import { ruleLine } from './rules.js';

addTexts({
  'form.required': ['(bắt buộc)', '(required)'],
  'form.review': ['Xem trước và kiểm tra thử', 'Preview and dry run'],
  'form.send': ['Ký và gửi lên sổ cái', 'Sign and send to the ledger'],
  'form.signed': ['Bản ghi đúng như sẽ được ký (JSON)', 'The record exactly as it is signed (JSON)'],
  'form.dryrun': ['Kết quả kiểm tra thử của máy chủ (chưa ghi gì vào sổ)', 'The server\'s dry run (nothing written yet)'],
  'form.dry.ok': ['✔ Máy chủ sẽ chấp nhận bản ghi này.', '✔ The server would accept this record.'],
  'form.dry.dup': ['Bản ghi này đã có trong sổ cái (gửi lại sẽ nhận biên nhận cũ).', 'This record is already in the ledger (sending it again returns the original receipt).'],
  'form.dry.bad': ['✘ Máy chủ sẽ từ chối bản ghi này:', '✘ The server would refuse this record:'],
  'form.dry.alerts': ['Bản ghi sẽ phát cảnh báo:', 'The record would raise alerts:'],
  'form.dry.none': ['Máy chủ này chưa có chức năng kiểm tra thử; bản ghi vẫn được kiểm tra đầy đủ khi gửi.', 'This server has no dry run; the record is still checked in full when sent.'],
  'form.refused': ['Máy chủ từ chối bản ghi (HTTP {status}):', 'The server refused the record (HTTP {status}):'],
  'form.sending': ['Đang gửi…', 'Sending…'],
  'form.checking': ['Đang kiểm tra thử…', 'Running the dry run…'],
  'form.fix': ['Sửa nội dung rồi bấm "Xem trước" lại.', 'Fix the form, then preview again.'],
  'form.invalid': ['Kiểm tra lại: {what}', 'Please check: {what}'],
  'r.title': ['Biên nhận: mục {seq} của sổ cái', 'Receipt: entry {seq} of the ledger'],
  'r.new': ['Đã ghi vào sổ cái.', 'Written to the ledger.'],
  'r.again': ['Bản ghi này đã có trong sổ cái: đây là biên nhận gốc.', 'This record was already in the ledger: this is the original receipt.'],
  'r.ts': ['Máy chủ ghi nhận lúc', 'Accepted at'],
  'r.verify': ['Kiểm chứng biên nhận trong trình duyệt', 'Verify the receipt in this browser'],
  'r.download': ['Tải biên nhận (JSON)', 'Download the receipt (JSON)'],
  'r.open': ['Xem mục trong sổ cái', 'Open the entry'],
  'q.decimal': ['Số thập phân dùng dấu chấm, ví dụ 12.500', 'A decimal with a point, e.g. 12.500'],
  'q.unit': ['Đơn vị', 'Unit'],
  'q.bad': ['số lượng phải là số thập phân dùng dấu chấm (ví dụ 12.500), không dấu phẩy', 'the quantity must be a decimal with a point (e.g. 12.500), no comma'],
  'sub.pick': ['— chọn hóa chất —', '— choose a chemical —'],
  'personal.title': ['Dữ liệu cá nhân (gửi riêng, không ghi vào sổ cái)', 'Personal data (sent apart, never written to the ledger)'],
  'personal.intro': ['Họ tên, số căn cước, số điện thoại của cá nhân (lái xe, người mua là cá nhân, người chứng kiến…) được mã hóa và lưu riêng; sổ cái chỉ giữ mã cam kết SHA-256 (records.md §7).', 'Names, ID numbers and phones of individuals (a driver, a buyer who is a person, a witness…) are stored apart, encrypted; the ledger keeps only a SHA-256 commitment (records.md §7).'],
  'personal.name': ['Họ và tên', 'Full name'], 'personal.id': ['Số căn cước / CMND', 'ID card number'],
  'personal.phone': ['Số điện thoại', 'Phone'], 'personal.role': ['Vai trò (ví dụ: lái xe, người mua)', 'Role (e.g. driver, buyer)'],
});

// ---------------------------------------------------------------------------------------------
// Fields

function field(id, label, input, hintText, required = false) {
  const hint = hintText ? h('div', { class: 'small muted', id: `${id}-hint` }, hintText) : null;
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  if (required) input.setAttribute('aria-required', 'true');
  return h('div', { class: 'field' }, h('label', { for: id }, label, required ? [' ', h('span', { class: 'req' }, t('form.required'))] : null), input, hint);
}
const textInput = (id, attrs = {}) => h('input', { type: 'text', id, name: id, autocomplete: 'off', ...attrs });
const textArea = (id, attrs = {}) => h('textarea', { id, name: id, rows: 3, ...attrs });
function select(id, options, value, attrs = {}) {
  return h('select', { id, name: id, ...attrs }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

function substanceLabel(s) {
  const cas = (s.cas || [])[0] || s.id;
  const names = state.lang === 'vi' && s.name_vi ? `${s.name_vi} (${s.name_en})` : s.name_en;
  return `${names} · ${cas}`;
}
function substancePicker(id, value = '', attrs = {}) {
  const subs = [...(state.catalog?.substances || [])].sort((a, b) => substanceLabel(a).localeCompare(substanceLabel(b), 'vi'));
  return select(id, [['', t('sub.pick')], ...subs.map((s) => [s.id, substanceLabel(s)])], value, attrs);
}
function unitsOf(substanceId) {
  const s = state.catalog?.substances?.find((x) => x.id === substanceId);
  if (!s) return ['kg', 'g', 'mg', 'L', 'mL'];
  return s.unit === 'kg' ? ['kg', 'g', 'mg'] : ['L', 'mL'];
}
// The quantity (decimal text, never a number) and its unit, whose choices follow the picker.
function quantityInputs(prefix, picker, value = {}) {
  const quantity = textInput(`${prefix}quantity`, { inputmode: 'decimal', value: value.quantity || '', pattern: '[0-9]+([.][0-9]+)?' });
  const unit = h('select', { id: `${prefix}unit`, name: `${prefix}unit` });
  const fill = () => {
    const keep = unit.value || value.unit;
    unit.replaceChildren(...unitsOf(picker.value).map((u) => h('option', { value: u, selected: u === keep }, u)));
  };
  fill();
  picker.addEventListener('change', fill);
  const row = h('div', { class: 'row' },
    h('div', { class: 'grow' }, field(`${prefix}quantity`, fieldName('quantity'), quantity, t('q.decimal'), true)),
    h('div', {}, field(`${prefix}unit`, t('q.unit'), unit)));
  return { quantity, unit, row };
}

// ---------------------------------------------------------------------------------------------
// Values

const pad = (n) => String(n).padStart(2, '0');
// Vietnam has had no daylight saving time since 1975: +07:00 all year.
function rfc3339Vn(ms) {
  const d = new Date(ms + 7 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+07:00`;
}
const nowRfc3339 = () => rfc3339Vn(Date.now());
const rfc3339ToLocal = (v) => String(v || '').slice(0, 16);
function localToRfc3339(v) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v || '')) return null;
  return `${v.length === 16 ? `${v}:00` : v}+07:00`;
}

const SCALE = { kg: 6, g: 3, mg: 0, L: 6, mL: 3 };
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
// An amount in mg or µL as a BigInt, or null for a malformed one (records.md §4).
function baseAmount(quantity, unit) {
  const m = DECIMAL.exec(String(quantity ?? ''));
  const scale = SCALE[unit];
  if (!m || scale === undefined || (m[2] || '').length > scale) return null;
  return BigInt(m[1] + (m[2] || '').padEnd(scale, '0'));
}
// The pure amount: ⌊base × concentration / 100⌋, the concentration having ≤ 4 decimals.
function pureAmount(quantity, unit, concentration) {
  const base = baseAmount(quantity, unit);
  if (base === null || !concentration) return base;
  const m = DECIMAL.exec(String(concentration));
  if (!m || (m[2] || '').length > 4) return null;
  return (base * BigInt(m[1] + (m[2] || '').padEnd(4, '0'))) / 1000000n;
}

// Personal side data (records.md §7): the exact bytes of `text`, 16 random salt bytes, and
// personal_commitment = base64(SHA-256(salt ‖ personal bytes)), as ledger/personal.h computes.
async function personalSide(text) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const commitment = b64encode(await sha256(concat(salt, enc.encode(text))));
  return { personal: text, personal_salt: b64encode(salt), commitment };
}

// The append body for `payload` (an object): signed over its canonical JSON, with the personal
// side data when given ({personal, personal_salt}; the payload then carries the commitment).
async function sign(payload, side = null) {
  const body = await signRecord(payload);
  if (side) Object.assign(body, { personal: side.personal, personal_salt: side.personal_salt });
  return body;
}
const dryRun = (body) => postJson('/v1/entries?dry_run=true', body);
const submit = (body) => postJson('/v1/entries', body);

// ---------------------------------------------------------------------------------------------
// Verdicts, refusals, receipts

function violationList(violations) {
  return h('ul', { class: 'violations' }, (violations || []).map((v) => h('li', { 'data-code': v.code }, ruleLine(v))));
}
function alertList(alerts) {
  return h('ul', { class: 'small' }, (alerts || []).map((a) => h('li', {}, a.kind ? `${t(`alert.${a.kind}`)} (${a.kind})` : JSON.stringify(a))));
}
// A dry-run answer ({status, body}) as a notice; 4xx answers are the append route's refusals.
function verdictView(answer) {
  const b = answer.body || {};
  if (answer.status === 404 && /no_route/.test(b.type || '')) return notice('warn', t('form.dry.none'));
  if (answer.status !== 200 || b.dry_run !== true) return problemView(answer);
  if (b.accepted) {
    return h('div', { class: 'verdict-box', 'data-accepted': 'true' },
      notice('info', b.duplicate ? t('form.dry.dup') : t('form.dry.ok')),
      b.alerts?.length ? h('div', { class: 'notice warn' }, t('form.dry.alerts'), alertList(b.alerts)) : null);
  }
  return h('div', { class: 'verdict-box', 'data-accepted': 'false' },
    h('div', { class: 'notice error', role: 'alert' }, t('form.dry.bad'), violationList(b.violations)));
}
// A refusal: the problem's violations in the reader's language, else its detail.
function problemView(answer) {
  const b = answer.body || {};
  return h('div', { class: 'notice error refusal', role: 'alert', 'data-status': String(answer.status) },
    t('form.refused', { status: answer.status }), ' ',
    b.violations?.length ? violationList(b.violations) : h('p', {}, b.detail || b.title || ''));
}

function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const STEP_KEYS = ['v.fetch', 'v.leaf', 'v.cp', 'v.sig', 'v.wit', 'v.proof', 'v.root', 'v.cons'];
// The receipt of an accepted record: what it is, a download, and the in-browser verification.
function receiptView(body, answer) {
  const r = answer.body;
  const steps = h('ol', { class: 'steps', id: 'receipt-steps' });
  const verdict = h('div', { id: 'receipt-verdict', 'aria-live': 'polite' });
  const verifyButton = h('button', {
    type: 'button', id: 'receipt-verify',
    onclick: async () => {
      verifyButton.disabled = true;
      steps.replaceChildren(...STEP_KEYS.map((k, i) => h('li', { 'data-step': i }, h('span', { class: 'mark' }, '…'), h('span', {}, t(k, { seq: r.seq, size: '' })), h('span', { class: 'detail' }))));
      const result = await verifyEntry(r.seq, (i, status, detail) => {
        const li = steps.children[i];
        li.className = status;
        li.querySelector('.mark').textContent = status === 'ok' ? '✔' : status === 'bad' ? '✘' : '…';
        li.querySelector('.detail').textContent = detail || '';
      });
      verdict.replaceChildren(result.ok
        ? h('div', { class: 'verdict ok' }, t('v.ok', { seq: r.seq, size: fmtInt(result.size) }) + (result.cosigned || ''))
        : h('div', { class: 'verdict bad' }, t('v.bad', { why: result.why })));
      verifyButton.disabled = false;
    },
  }, t('r.verify'));
  const payload = JSON.parse(body.payload);
  const file = JSON.stringify({ receipt: r, signer: body.signer, payload: body.payload, sig: body.sig, cosigners: body.cosigners }, null, 2);
  return h('section', { class: 'card', id: 'receipt', 'data-seq': String(r.seq) },
    h('h2', {}, t('r.title', { seq: r.seq })),
    notice('info', answer.status === 201 ? t('r.new') : t('r.again')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('r.ts')), h('dd', {}, fmtTime(r.ts)),
      h('dt', {}, t('e.type')), h('dd', {}, typeName(payload.type)),
      h('dt', {}, 'id'), h('dd', { class: 'mono' }, payload.id)),
    h('p', { class: 'row' },
      verifyButton,
      h('button', { type: 'button', class: 'secondary', id: 'receipt-download', onclick: () => download(`vigil-receipt-${r.seq}.json`, file) }, t('r.download')),
      link(`#/entry/${r.seq}`, t('r.open'))),
    steps, verdict);
}

// The review-and-send flow under `box`: `build()` returns {payload, side?, extra?} or throws an
// Error whose message names what to fix; the payload is signed, shown exactly as signed with
// the dry run's verdict, then sent. `opts.actions(body, verdict)` may add buttons beside
// "send" (a draft for the witness).
function reviewAndSend(box, build, opts = {}) {
  const out = h('div', { id: 'review', 'aria-live': 'polite' });
  const reviewButton = h('button', { type: 'submit', id: 'review-button' }, t('form.review'));
  append(box, [h('p', {}, reviewButton), out]);
  return async () => {
    out.replaceChildren(h('p', { class: 'spinner' }, t('form.checking')));
    let built;
    try {
      built = await build();
    } catch (e) {
      out.replaceChildren(notice('error', t('form.invalid', { what: e.message })));
      return;
    }
    const body = await sign(built.payload, built.side);
    const verdict = await dryRun(body);
    const sendButton = h('button', { type: 'button', id: 'send-button' }, t('form.send'));
    const result = h('div', { id: 'send-result' });
    sendButton.addEventListener('click', async () => {
      sendButton.disabled = true;
      result.replaceChildren(h('p', { class: 'spinner' }, t('form.sending')));
      const answer = await submit(body);
      if (answer.status === 200 || answer.status === 201) {
        result.replaceChildren(receiptView(body, answer));
        reviewButton.disabled = true;
      } else {
        result.replaceChildren(problemView(answer), h('p', { class: 'small muted' }, t('form.fix')));
        sendButton.disabled = false;
      }
    });
    out.replaceChildren(
      h('h3', {}, t('form.signed')),
      h('pre', { class: 'raw', id: 'signed-json', tabindex: '0' }, body.payload),
      h('h3', {}, t('form.dryrun')),
      h('div', { id: 'dry-run' }, verdictView(verdict)),
      h('p', { class: 'row' }, sendButton, opts.actions ? opts.actions(body, verdict) : null),
      result);
    out.querySelector('#signed-json').focus();
  };
}

export {
  field, textInput, textArea, select, substancePicker, substanceLabel, unitsOf, quantityInputs,
  nowRfc3339, rfc3339Vn, rfc3339ToLocal, localToRfc3339, canonicalJson, baseAmount, pureAmount,
  personalSide, sign, dryRun, submit, violationList, verdictView, problemView, receiptView,
  download, reviewAndSend, catalog, entryLink, badge, substanceName,
};
