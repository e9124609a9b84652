// Vigil web pages: inspections in the field, on a phone, with or without a network
// (docs/explorer.md "Field inspections", docs/guide-inspector.md). Views for inspectors and
// police: #/field (the queue and the two forms), #/field/venue (inspection.venue) and
// #/field/stock (inspection.stock), with the checklists of GET /v1/catalog (records.md §31-33,
// §39). A record is signed in the browser (core.js signRecord), put in the offline queue
// (queue.js) and sent at once when there is a network, later when there is none; the queue is
// shown on every view ("chờ gửi"). Evidence photos are hashed here (SHA-256) and only the hashes
// go into the record: the photos stay on the phone. Also registers the service worker (sw.js)
// and the sign-in hooks that let an inspector sign in with no network (docs/security.md).
import {
  state, t, h, append, show, notice, badge, entryLink, addTexts, registerView, registerNav,
  registerSignIn, typeName, fmtTime, fmtAmount, toMicro, substanceName, substanceById, hex,
  sha256, signRecord, api, allPages, catalog, isCurrent, currentRoute, ApiError, fmtInt,
} from './core.js';
import * as queue from './queue.js';
import { dryRun, verdictView, recordView, violationList, answerView } from './send.js';

addTexts({
  'nav.field': ['Kiểm tra', 'Inspections'],
  'f.title': ['Kiểm tra tại hiện trường', 'Inspections in the field'],
  'f.intro': ['Lập biên bản kiểm tra ngay trên điện thoại, kể cả khi không có mạng: biên bản được ký trong trình duyệt này, lưu lại và tự gửi khi có mạng trở lại.', 'Make the inspection record on your phone, with or without a network: it is signed in this browser, kept, and sent by itself when the network returns.'],
  'f.venue': ['Kiểm tra cơ sở karaoke, quán bar, vũ trường', 'Inspect a karaoke, bar or dance hall'],
  'f.stock': ['Kiểm tra kho tiền chất của doanh nghiệp', 'Inspect a chemical business\'s stock'],
  'f.offline': ['Không có mạng. Biên bản vẫn lập được và sẽ được gửi khi có mạng.', 'No network. You can still make records; they are sent when the network returns.'],
  'f.pack': ['Đã lưu trên thiết bị để làm việc không có mạng: danh sách {n} doanh nghiệp và cơ sở.', 'Kept on this device for working offline: the list of {n} businesses and their venues.'],
  'f.nopack': ['Chưa tải danh sách doanh nghiệp, cơ sở. Hãy mở trang này khi có mạng.', 'The list of businesses and venues is not loaded yet. Open this page with a network.'],
  'f.signedoffline': ['Đăng nhập khi không có mạng (danh tính nhớ từ lần đăng nhập trước trên trình duyệt này).', 'Signed in without a network (identity remembered from the last sign-in in this browser).'],
  'f.recordid': ['Số biên bản (mã bản ghi)', 'Record number (record id)'],
  'f.venuepick': ['Cơ sở được kiểm tra', 'Venue inspected'], 'f.bizpick': ['Doanh nghiệp được kiểm tra', 'Business inspected'],
  'f.choose': ['— chọn —', '— choose —'],
  'f.kind': ['Hình thức kiểm tra', 'Kind of inspection'], 'f.periodic': ['Định kỳ (theo kế hoạch)', 'Periodic (planned)'], 'f.surprise': ['Đột xuất', 'Surprise'],
  'f.approval': ['Số quyết định kiểm tra đột xuất', 'Reference of the surprise inspection decision'],
  'f.started': ['Bắt đầu', 'Started'], 'f.ended': ['Kết thúc', 'Ended'],
  'f.team': ['Thành viên khác của đoàn (mã, cách nhau bởi dấu phẩy)', 'Other team members (ids, separated by commas)'],
  'f.teamyou': ['Người lập và ký biên bản: {id}', 'Recorded and signed by: {id}'],
  'f.checklist': ['Nội dung kiểm tra', 'Checklist'], 'f.critical': ['trọng yếu', 'critical'],
  'f.pass': ['Đạt', 'Pass'], 'f.fail': ['Không đạt', 'Fail'], 'f.na': ['Không áp dụng', 'N/A'],
  'f.violation': ['Mô tả vi phạm (nội dung {code})', 'Violation found (item {code})'],
  'f.drugs': ['Test nhanh ma túy tại chỗ', 'Drug tests on the spot'], 'f.tested': ['Số người được test', 'People tested'], 'f.positive': ['Số trường hợp dương tính', 'Positive'],
  'f.sanctions': ['Đề xuất xử lý (mỗi dòng một nội dung)', 'Proposed sanctions (one per line)'],
  'f.note': ['Ghi chú', 'Note'],
  'f.photos': ['Ảnh chứng cứ (chỉ mã băm SHA-256 được ghi; ảnh ở lại trên điện thoại)', 'Evidence photos (only their SHA-256 is recorded; the photos stay on the phone)'],
  'f.counts': ['Số lượng kiểm đếm thực tế', 'Quantities counted'], 'f.addcount': ['Thêm chất', 'Add a substance'],
  'f.substance': ['Hóa chất', 'Substance'], 'f.qty': ['Số lượng đếm được', 'Quantity counted'], 'f.unit': ['Đơn vị', 'Unit'],
  'f.ledger': ['Sổ cái: {amount}', 'Ledger: {amount}'], 'f.diff': ['chênh lệch {diff}', 'difference {diff}'], 'f.same': ['khớp sổ cái', 'matches the ledger'],
  'f.noledger': ['chưa có số liệu sổ cái (cần mạng)', 'no ledger figure (needs a network)'],
  'f.remove': ['Bỏ', 'Remove'],
  'f.preview': ['Xem trước và kiểm tra', 'Preview and check'], 'f.send': ['Ký và gửi', 'Sign and send'],
  'f.queued': ['Đã ký và lưu vào hàng chờ.', 'Signed and queued.'],
  'f.err.pick': ['Hãy chọn đối tượng được kiểm tra.', 'Choose what was inspected.'],
  'f.err.answer': ['Chưa đánh giá nội dung {code}.', 'Item {code} has no answer.'],
  'f.err.approval': ['Kiểm tra đột xuất cần số quyết định.', 'A surprise inspection needs the decision reference.'],
  'f.err.time': ['Thời gian bắt đầu, kết thúc không hợp lệ.', 'The start and end times are not valid.'],
  'f.err.qty': ['Số lượng "{q}" không hợp lệ cho đơn vị {u}.', 'Quantity "{q}" is not valid in {u}.'],
  'f.err.drugs': ['Số người test và số dương tính phải là số nguyên, dương tính không quá số test.', 'Tests and positives must be whole numbers, positives at most the tests.'],
  'q.title': ['Biên bản trên thiết bị này', 'Records on this device'],
  'q.waiting': ['chờ gửi', 'waiting to send'], 'q.sent': ['đã gửi', 'sent'], 'q.refused': ['bị từ chối', 'refused'],
  'q.bar': ['{n} biên bản chờ gửi', '{n} records waiting to send'],
  'q.barref': ['{n} biên bản bị từ chối', '{n} records refused'],
  'q.empty': ['Không có biên bản nào trên thiết bị này.', 'No records on this device.'],
  'q.sendnow': ['Gửi ngay', 'Send now'], 'q.resend': ['Gửi lại', 'Send again'], 'q.remove': ['Xóa khỏi thiết bị', 'Remove from this device'],
  'q.made': ['lập lúc {when}', 'made {when}'], 'q.entry': ['mục', 'entry'],
  'q.lasterr': ['lần gửi gần nhất: {why}', 'last attempt: {why}'],
  'q.nonet': ['không có mạng', 'no network'],
  'q.again': ['Gửi lại lúc {when}:', 'Sent again at {when}:'],
});

const VENUE_KINDS = { karaoke: ['Karaoke', 'Karaoke'], bar: ['Quán bar', 'Bar'], dance_hall: ['Vũ trường', 'Dance hall'] };
const pickLang = (pair) => (pair ? pair[state.lang === 'vi' ? 0 : 1] : '');

// ---------------------------------------------------------------------------------------------
// Service worker, sign-in without a network, the field pack

if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/web/sw.js', { scope: '/' }).catch(() => {});
}

const ME_PACK = (keyId) => `me/${keyId}`;
registerSignIn({
  // After a sign-in the server checked: remember the identity for a sign-in with no network.
  async signedIn(me, offline) {
    if (!offline && state.key) await queue.packPut(ME_PACK(state.key.keyId), me).catch(() => {});
    queue.flush().catch(() => {});
  },
  // No network: the identity remembered for this key id, if this browser has one. The key
  // itself was just opened from its file; whatever it signs is checked by the server on arrival.
  async offline(keyId) {
    if (navigator.onLine) return null;
    return queue.packGet(ME_PACK(keyId)).catch(() => null);
  },
  async signedOut() {
    await queue.clearPack().catch(() => {});
  },
});

// The businesses (with their venues and licence kinds) an inspector may inspect, kept in the
// pack. Refreshed when there is a network; the pack's copy otherwise.
async function businesses() {
  if (navigator.onLine) {
    try {
      const { items } = await allPages('/v1/participants', { role: 'business' });
      const slim = items.filter((p) => !p.revoked).map((p) => ({
        participant: p.participant, legal_name: p.legal_name, address: p.address,
        venues: (p.venues || []).map((v) => ({ id: v.id, kind: v.kind, name: v.name, address: v.address })),
        licences: (p.licences || []).map((l) => ({ kind: l.kind, substances: l.substances || [] })),
      }));
      await queue.packPut('businesses', slim);
      return slim;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 0) throw e;
    }
  }
  return (await queue.packGet('businesses')) || [];
}

// A business's ledger stock (GET .../stock), kept in the pack for use without a network.
async function ledgerStock(business) {
  if (navigator.onLine) {
    try {
      const s = await api(`/v1/participants/${encodeURIComponent(business)}/stock`);
      await queue.packPut(`stock/${business}`, s);
      return s;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 0) throw e;
    }
  }
  return queue.packGet(`stock/${business}`);
}

// ---------------------------------------------------------------------------------------------
// The queue, on every view and in full on #/field

function stateBadge(item) {
  if (item.state === 'sent') return badge(`${t('q.sent')} · ${t('q.entry')} ${item.seq}`, 'ok');
  if (item.state === 'refused') return badge(t('q.refused'), 'bad');
  return badge(t('q.waiting'), 'warn');
}

async function drawBar() {
  let bar = document.getElementById('queue-bar');
  if (!bar) {
    bar = h('div', { id: 'queue-bar', class: 'queue-bar', role: 'status' });
    document.getElementById('main').before(bar);
  }
  let all = [];
  try { all = await queue.items(); } catch { all = []; }
  const waiting = all.filter((i) => i.state === 'waiting').length;
  const refused = all.filter((i) => i.state === 'refused').length;
  bar.replaceChildren();
  bar.hidden = !waiting && !refused && navigator.onLine;
  if (!navigator.onLine) append(bar, [h('span', { class: 'offline' }, t('f.offline')), ' ']);
  if (waiting) append(bar, [h('a', { href: '#/field', id: 'queue-count' }, t('q.bar', { n: waiting })), ' ']);
  if (refused) append(bar, [h('a', { href: '#/field', class: 'bad' }, t('q.barref', { n: refused }))]);
}

function queueList(all) {
  if (!all.length) return h('p', { class: 'muted' }, t('q.empty'));
  return h('ul', { class: 'queue', id: 'queue-list' }, all.slice().reverse().map((item) => {
    const why = item.last && item.state !== 'sent' ? (item.last.status ? `${item.last.status} ${item.last.detail}` : t('q.nonet')) : '';
    const again = item.lastResend;
    return h('li', { class: `qitem ${item.state}`, 'data-id': item.id, 'data-state': item.state },
      h('div', {}, h('strong', {}, typeName(item.type)), ' ', h('code', {}, item.id), ' ', h('span', { class: 'qstate' }, stateBadge(item)),
        item.state === 'sent' ? [' ', entryLink(item.seq)] : null),
      h('div', { class: 'small muted' }, t('q.made', { when: fmtTime(item.made) }), why ? [' · ', t('q.lasterr', { why })] : null),
      item.state === 'refused' ? violationList(item.last?.violations) : null,
      h('div', { class: 'actions' },
        item.state === 'waiting' ? h('button', { type: 'button', class: 'q-send', onclick: () => queue.flush() }, t('q.sendnow')) : null,
        item.state === 'sent' ? h('button', { type: 'button', class: 'q-resend', onclick: () => queue.resend(item.key).catch(() => {}) }, t('q.resend')) : null,
        item.state !== 'waiting' ? h('button', { type: 'button', class: 'q-remove secondary', onclick: () => queue.remove(item.key) }, t('q.remove')) : null),
      // The answer to the last "send again", kept with the item.
      again ? h('div', { class: 'qanswer' }, h('span', { class: 'small muted' }, t('q.again', { when: fmtTime(again.at) })),
        answerView({ status: again.status, body: again.body })) : null);
  }));
}

async function viewField() {
  const seq = currentRoute();
  const [all, list] = await Promise.all([queue.items(), businesses().catch(() => [])]);
  if (!isCurrent(seq)) return;
  const queueBox = h('section', { class: 'card', id: 'queue' }, h('h2', {}, t('q.title')), queueList(all));
  show(
    h('h1', {}, t('f.title')),
    state.offlineSignIn ? notice('warn', t('f.signedoffline')) : null,
    h('p', {}, t('f.intro')),
    h('div', { class: 'field-actions' },
      h('a', { class: 'button', href: '#/field/venue', id: 'go-venue' }, t('f.venue')),
      h('a', { class: 'button', href: '#/field/stock', id: 'go-stock' }, t('f.stock'))),
    queueBox,
    h('p', { class: 'small muted', id: 'pack-line' }, list.length ? t('f.pack', { n: fmtInt(list.length) }) : t('f.nopack')));
}

// ---------------------------------------------------------------------------------------------
// Forms

// "YYYY-MM-DDTHH:MM" of a datetime-local input (the phone's own time zone) as RFC 3339 with
// the phone's offset, e.g. 2026-11-22T00:20:00+07:00.
function rfc3339(local) {
  const d = new Date(local);
  if (!local || Number.isNaN(d.getTime())) return null;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${local.length === 16 ? `${local}:00` : local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
function localInput(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}
function defaultId(prefix) {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${prefix}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);

// The checklist: for each item, pass / fail / n.a. as three radio buttons, and a violation's
// description when it fails.
function checklistBlock(items) {
  const box = h('fieldset', { class: 'checklist', id: 'checklist' }, h('legend', {}, t('f.checklist')));
  for (const it of items) {
    const name = `ck-${it.code}`;
    const desc = h('input', { type: 'text', id: `vd-${it.code}`, class: 'violation', hidden: true, 'aria-label': t('f.violation', { code: it.code }), placeholder: t('f.violation', { code: it.code }) });
    const radio = (value, label) => h('label', { class: `seg ${value}` },
      h('input', { type: 'radio', name, value, onchange: () => { desc.hidden = value !== 'fail'; } }), ' ', label);
    box.append(h('div', { class: 'ck-item', 'data-code': it.code },
      h('div', { class: 'ck-text' }, h('strong', {}, it.code), ' ', state.lang === 'vi' ? it.item_vi : it.item_en,
        it.critical ? [' ', badge(t('f.critical'), 'bad')] : null),
      h('div', { class: 'segs', role: 'radiogroup', 'aria-label': it.code }, radio('pass', t('f.pass')), radio('fail', t('f.fail')), radio('na', t('f.na'))),
      desc));
  }
  return box;
}
function readChecklist(box, items) {
  const checklist = {};
  const violations = [];
  for (const it of items) {
    const v = box.querySelector(`input[name="ck-${it.code}"]:checked`)?.value;
    if (!v) throw new Error(t('f.err.answer', { code: it.code }));
    checklist[it.code] = v;
    const d = box.querySelector(`#vd-${it.code}`).value.trim().normalize('NFC');
    if (v === 'fail' && d) violations.push({ code: it.code, description: d });
  }
  return { checklist, violations };
}

// Evidence photos: hashed here, never sent.
function photoBlock() {
  const list = h('ul', { class: 'hashes', id: 'photo-hashes' });
  const hashes = [];
  const input = h('input', {
    type: 'file', id: 'f-photos', accept: 'image/*', capture: 'environment', multiple: true,
    onchange: async () => {
      for (const f of input.files) {
        const digest = hex(await sha256(new Uint8Array(await f.arrayBuffer())));
        if (hashes.includes(digest)) continue;
        hashes.push(digest);
        list.append(h('li', {}, f.name, ' — ', h('code', { class: 'sha' }, digest)));
      }
      input.value = '';
    },
  });
  return { el: h('div', { class: 'field' }, h('label', { for: 'f-photos' }, t('f.photos')), input, list), hashes };
}

function commonBlock(prefix) {
  const now = new Date();
  const startEl = h('input', { type: 'datetime-local', id: 'f-started', value: localInput(new Date(now.getTime() - 3600000)), required: true });
  const endEl = h('input', { type: 'datetime-local', id: 'f-ended', value: localInput(now), required: true });
  const idEl = h('input', { type: 'text', id: 'f-id', value: defaultId(prefix), required: true, autocomplete: 'off' });
  const teamEl = h('input', { type: 'text', id: 'f-team', autocomplete: 'off', inputmode: 'text' });
  const sanctionsEl = h('textarea', { id: 'f-sanctions', rows: 2 });
  const noteEl = h('textarea', { id: 'f-note', rows: 2 });
  const photos = photoBlock();
  return {
    idEl, startEl, endEl, teamEl, sanctionsEl, noteEl, photos,
    head: [field('f-id', t('f.recordid'), idEl)],
    times: h('div', { class: 'row2' }, field('f-started', t('f.started'), startEl), field('f-ended', t('f.ended'), endEl)),
    team: [h('p', { class: 'small' }, t('f.teamyou', { id: state.me.participant })), field('f-team', t('f.team'), teamEl)],
    tail: [field('f-sanctions', t('f.sanctions'), sanctionsEl), field('f-note', t('f.note'), noteEl), photos.el],
    // The shared fields of records.md §31.
    read() {
      const started = rfc3339(startEl.value);
      const ended = rfc3339(endEl.value);
      if (!started || !ended || new Date(started) > new Date(ended)) throw new Error(t('f.err.time'));
      const team = [state.me.participant];
      for (const x of teamEl.value.split(',').map((s) => s.trim()).filter(Boolean)) if (!team.includes(x)) team.push(x);
      const out = { started_at: started, ended_at: ended, team };
      const sanctions = sanctionsEl.value.split('\n').map((s) => s.trim().normalize('NFC')).filter(Boolean);
      if (sanctions.length) out.sanctions = sanctions;
      if (photos.hashes.length) out.evidence = [...photos.hashes];
      if (noteEl.value.trim()) out.note = noteEl.value.trim().normalize('NFC');
      return out;
    },
  };
}

// Preview (the record, the server's dry run when online), then sign-and-queue.
function sendBlock(build) {
  const out = h('div', { id: 'f-result' });
  let body = null;
  const sendBtn = h('button', {
    type: 'button', id: 'f-send', disabled: true,
    onclick: async () => {
      sendBtn.disabled = true;
      try {
        await queue.enqueue(body);
        out.append(notice('ok', t('f.queued')));
        await queue.flush();
        location.hash = '#/field';
      } catch (e) {
        out.append(notice('error', e.message));
      }
    },
  }, t('f.send'));
  const previewBtn = h('button', {
    type: 'button', id: 'f-preview', class: 'secondary',
    onclick: async () => {
      out.replaceChildren();
      sendBtn.disabled = true;
      let payload;
      try {
        payload = build();
        body = await signRecord(payload);
      } catch (e) {
        out.replaceChildren(notice('error', e.message));
        return;
      }
      out.append(recordView(payload));
      if (!navigator.onLine) {
        out.append(notice('warn', t('send.dry.offline')));
      } else {
        try {
          out.append(verdictView(await dryRun(body)));
        } catch (e) {
          out.append(notice('warn', t('send.dry.offline')), h('p', { class: 'small muted' }, e.message));
        }
      }
      sendBtn.disabled = false;
    },
  }, t('f.preview'));
  return h('div', { class: 'send' }, h('div', { class: 'actions' }, previewBtn, sendBtn), out);
}

function envelope(type, id) {
  return { type, id: id.trim(), actor: state.me.participant, at: new Date().toISOString() };
}

async function viewVenue() {
  const seq = currentRoute();
  const [cat, list] = await Promise.all([catalog(), businesses()]);
  if (!isCurrent(seq)) return;
  const common = commonBlock('KTCS');
  const venues = [];
  for (const b of list) for (const v of b.venues) venues.push({ b, v });
  const pick = h('select', { id: 'f-venue', required: true },
    h('option', { value: '' }, t('f.choose')),
    venues.map(({ b, v }, i) => h('option', { value: String(i) }, `${v.name || v.id} (${pickLang(VENUE_KINDS[v.kind])}) — ${b.legal_name}`)));
  const kindPeriodic = h('input', { type: 'radio', name: 'f-kind', id: 'f-kind-periodic', value: 'periodic', checked: true });
  const kindSurprise = h('input', { type: 'radio', name: 'f-kind', id: 'f-kind-surprise', value: 'surprise' });
  const approval = h('input', { type: 'text', id: 'f-approval', autocomplete: 'off' });
  const tested = h('input', { type: 'number', id: 'f-tested', min: 0, step: 1, inputmode: 'numeric' });
  const positive = h('input', { type: 'number', id: 'f-positive', min: 0, step: 1, inputmode: 'numeric' });
  const ckHolder = h('div', { id: 'ck-holder' });
  let items = [];
  pick.addEventListener('change', () => {
    const sel = venues[Number(pick.value)];
    items = sel && pick.value !== '' ? (cat.venue_checklist || []).filter((i) => !i.applies_to?.length || i.applies_to.includes(sel.v.kind)) : [];
    ckHolder.replaceChildren(items.length ? checklistBlock(items) : '');
  });
  const build = () => {
    if (pick.value === '') throw new Error(t('f.err.pick'));
    const { b, v } = venues[Number(pick.value)];
    const kind = kindSurprise.checked ? 'surprise' : 'periodic';
    const p = { ...envelope('inspection.venue', common.idEl.value), business: b.participant, venue: v.id, kind };
    if (kind === 'surprise') {
      if (!approval.value.trim()) throw new Error(t('f.err.approval'));
      p.approval_ref = approval.value.trim().normalize('NFC');
    }
    Object.assign(p, common.read());
    const { checklist, violations } = readChecklist(ckHolder, items);
    p.checklist = checklist;
    if (violations.length) p.violations = violations;
    if (tested.value !== '' || positive.value !== '') {
      const n = Number(tested.value || 0);
      const m = Number(positive.value || 0);
      if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0 || m > n) throw new Error(t('f.err.drugs'));
      p.drug_tests = { tested: n, positive: m };
    }
    return p;
  };
  show(
    h('p', {}, h('a', { href: '#/field' }, '← ', t('f.title'))),
    h('h1', {}, t('f.venue')),
    navigator.onLine ? null : notice('warn', t('f.offline')),
    list.length ? null : notice('warn', t('f.nopack')),
    h('form', { class: 'card field-form', id: 'venue-form', onsubmit: (e) => e.preventDefault() },
      common.head,
      field('f-venue', t('f.venuepick'), pick),
      h('fieldset', { class: 'kind' }, h('legend', {}, t('f.kind')),
        h('label', { for: 'f-kind-periodic' }, kindPeriodic, ' ', t('f.periodic')), ' ',
        h('label', { for: 'f-kind-surprise' }, kindSurprise, ' ', t('f.surprise'))),
      field('f-approval', t('f.approval'), approval),
      common.times, common.team,
      ckHolder,
      h('fieldset', {}, h('legend', {}, t('f.drugs')),
        h('div', { class: 'row2' }, field('f-tested', t('f.tested'), tested), field('f-positive', t('f.positive'), positive))),
      common.tail,
      sendBlock(build)));
}

// One counted substance: substance, quantity and unit, and the ledger's figure beside it.
function countRow(cat, stockOf, rows) {
  const subs = (cat.substances || []).slice().sort((a, b) => substanceName(a.id).localeCompare(substanceName(b.id)));
  const sub = h('select', { class: 'c-sub', 'aria-label': t('f.substance') }, h('option', { value: '' }, t('f.choose')),
    subs.map((s) => h('option', { value: s.id }, `${substanceName(s.id)} (${(s.cas || [])[0] || s.id})`)));
  const qty = h('input', { type: 'text', class: 'c-qty', inputmode: 'decimal', 'aria-label': t('f.qty'), placeholder: t('f.qty') });
  const unit = h('select', { class: 'c-unit', 'aria-label': t('f.unit') });
  const cmp = h('div', { class: 'small c-cmp' });
  const units = () => {
    const s = substanceById(sub.value);
    unit.replaceChildren(...(s && s.unit === 'L' ? ['L', 'mL'] : ['kg', 'g']).map((u) => h('option', { value: u }, u)));
  };
  const compare = () => {
    cmp.replaceChildren();
    if (!sub.value) return;
    const ledger = stockOf();
    if (!ledger) { cmp.append(t('f.noledger')); return; }
    const row = ledger.find((r) => r.substance === sub.value);
    const have = row ? BigInt(row.amount) : 0n;
    cmp.append(t('f.ledger', { amount: fmtAmount(have, sub.value) }));
    const counted = toMicro(qty.value.trim(), unit.value);
    if (counted === null) return;
    const diff = counted - have;
    cmp.append(' · ', diff === 0n ? badge(t('f.same'), 'ok') : badge(t('f.diff', { diff: `${diff > 0n ? '+' : ''}${fmtAmount(diff, sub.value)}` }), 'bad'));
  };
  units();
  sub.addEventListener('change', () => { units(); compare(); });
  qty.addEventListener('input', compare);
  unit.addEventListener('change', compare);
  const row = h('div', { class: 'count-row' }, sub, qty, unit,
    h('button', { type: 'button', class: 'secondary', onclick: () => { row.remove(); rows.splice(rows.indexOf(entry), 1); } }, t('f.remove')), cmp);
  const entry = {
    row, compare,
    read() {
      if (!sub.value) return null;
      const q = qty.value.trim();
      if (toMicro(q, unit.value) === null) throw new Error(t('f.err.qty', { q, u: unit.value }));
      return { substance: sub.value, quantity: q, unit: unit.value };
    },
  };
  rows.push(entry);
  return row;
}

async function viewStock() {
  const seq = currentRoute();
  const [cat, list] = await Promise.all([catalog(), businesses()]);
  if (!isCurrent(seq)) return;
  const common = commonBlock('KTK');
  const chem = list.filter((b) => b.licences.some((l) => /^precursor_|^import_export$/.test(l.kind)));
  const pick = h('select', { id: 'f-business', required: true }, h('option', { value: '' }, t('f.choose')),
    chem.map((b, i) => h('option', { value: String(i) }, `${b.legal_name} (${b.participant})`)));
  let stock = null;
  const rows = [];
  const countsBox = h('div', { id: 'counts' });
  pick.addEventListener('change', async () => {
    stock = null;
    const b = chem[Number(pick.value)];
    if (b && pick.value !== '') stock = await ledgerStock(b.participant).catch(() => null);
    for (const r of rows) r.compare();
  });
  const items = cat.stock_checklist || [];
  const ck = checklistBlock(items);
  const build = () => {
    if (pick.value === '') throw new Error(t('f.err.pick'));
    const p = { ...envelope('inspection.stock', common.idEl.value), business: chem[Number(pick.value)].participant };
    Object.assign(p, common.read());
    const { checklist, violations } = readChecklist(ck, items);
    p.checklist = checklist;
    if (violations.length) p.violations = violations;
    const counts = rows.map((r) => r.read()).filter(Boolean);
    if (counts.length) p.counts = counts;
    return p;
  };
  show(
    h('p', {}, h('a', { href: '#/field' }, '← ', t('f.title'))),
    h('h1', {}, t('f.stock')),
    navigator.onLine ? null : notice('warn', t('f.offline')),
    h('form', { class: 'card field-form', id: 'stock-form', onsubmit: (e) => e.preventDefault() },
      common.head, field('f-business', t('f.bizpick'), pick), common.times, common.team, ck,
      h('fieldset', {}, h('legend', {}, t('f.counts')), countsBox,
        h('button', { type: 'button', class: 'secondary', id: 'f-addcount', onclick: () => countsBox.append(countRow(cat, () => stock, rows)) }, t('f.addcount'))),
      common.tail,
      sendBlock(build)));
}

registerView(/^\/field$/, viewField);
registerView(/^\/field\/venue$/, viewVenue);
registerView(/^\/field\/stock$/, viewStock);
registerNav('#/field', 'nav.field', ['inspector', 'police']);

queue.onChange(() => {
  drawBar();
  if (location.hash === '#/field' && state.me) viewField().catch(() => {});
});
window.addEventListener('online', drawBar);
window.addEventListener('offline', drawBar);
window.addEventListener('hashchange', drawBar);
drawBar();
if (navigator.onLine) queue.flush().catch(() => {});

export { businesses };
