// Vigil web pages: showing a record before it is signed and sent, the server's dry-run verdict,
// and a refusal in the reader's language (docs/explorer.md). Used by the field inspections
// (field.js) and the authority desk (desk.js).
// ruleLine (rules.js), violationList and dryRun (forms.js) are re-exported for these pages.
// - verdictView / answerView: a dry-run verdict, an append's answer (receipt or refusal).
import { t, h, notice, entryLink, addTexts } from './core.js';
import { ruleLine } from './rules.js';
import { violationList, dryRun } from './forms.js';

addTexts({
  'send.record': ['Bản ghi sẽ được ký', 'The record as it will be signed'],
  'send.dry.ok': ['✔ Máy chủ chạy thử: bản ghi hợp lệ, sẽ được chấp nhận (chưa ghi gì vào sổ cái).', '✔ Server dry run: the record would be accepted (nothing written yet).'],
  'send.dry.bad': ['✘ Máy chủ chạy thử: bản ghi sẽ bị từ chối (chưa ghi gì vào sổ cái):', '✘ Server dry run: the record would be refused (nothing written):'],
  'send.dry.alerts': ['Cảnh báo sẽ phát: {list}', 'Alerts it would raise: {list}'],
  'send.dry.offline': ['Không có mạng: không chạy thử được với máy chủ. Bản ghi vẫn được kiểm tra khi gửi.', 'No network: the server cannot do a dry run now. The record is checked when it is sent.'],
  'send.dry.none': ['Máy chủ không chạy thử được ({detail}).', 'The server could not do a dry run ({detail}).'],
  'send.ok': ['✔ Đã ghi vào sổ cái: mục {seq}.', '✔ Written to the ledger: entry {seq}.'],
  'send.dup': ['Bản ghi này đã có trong sổ cái (mục {seq}): gửi lại không tạo mục mới.', 'This record is already in the ledger (entry {seq}): sending it again adds nothing.'],
  'send.refused': ['✘ Máy chủ từ chối (lỗi {status}): {detail}', '✘ Refused by the server (error {status}): {detail}'],
});

// The dry run's answer as a notice.
function verdictView(res) {
  const b = res.body || {};
  if (res.status !== 200 || b.dry_run !== true) {
    if (b.violations?.length) return notice('error', t('send.refused', { status: res.status, detail: b.detail || '' }), violationList(b.violations));
    return notice('warn', t('send.dry.none', { detail: `${res.status} ${b.detail || ''}`.trim() }));
  }
  const alerts = (b.alerts || []).map((a) => a.kind || a.code || JSON.stringify(a));
  // The same signed record is already in the log: sending it answers the original entry.
  if (b.duplicate) return h('div', { class: 'dry', id: 'dry-verdict' }, notice('ok', t('send.dup', { seq: b.seq }), ' ', entryLink(b.seq)));
  if (b.accepted) {
    return h('div', { class: 'dry', id: 'dry-verdict' }, notice('ok', t('send.dry.ok')),
      alerts.length ? notice('warn', t('send.dry.alerts', { list: alerts.join(', ') })) : null);
  }
  return h('div', { class: 'dry', id: 'dry-verdict' }, notice('error', t('send.dry.bad'), violationList(b.violations)));
}

// An append's answer {status, body} as a notice.
function answerView(res) {
  const b = res.body || {};
  if (res.status === 201) return notice('ok', t('send.ok', { seq: b.seq }), ' ', entryLink(b.seq));
  if (res.status === 200) return notice('ok', t('send.dup', { seq: b.seq }), ' ', entryLink(b.seq));
  return notice('error', t('send.refused', { status: res.status, detail: b.detail || '' }), violationList(b.violations));
}

// The record as it will be signed: the payload, pretty-printed.
function recordView(payload) {
  return h('details', { class: 'record', open: true }, h('summary', {}, t('send.record')),
    h('pre', { class: 'payload' }, JSON.stringify(payload, null, 2)));
}

export { ruleLine, violationList, dryRun, verdictView, answerView, recordView };
