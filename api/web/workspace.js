// Vigil web pages: the business clerk's workspace (docs/explorer.md "The business workspace").
// After sign-in a business lands on #/work: its stock, its open inbound dispatches (each with a
// "receive" button), inspections waiting for its answer, its latest records (each voidable) and
// a menu of every record it files. #/new/<type> is the form of one record type (records.md
// Parts C–E), reviewed exactly as signed with the server's dry run before it is sent (forms.js
// reviewAndSend). A disposal is prepared here and cosigned by its witness on #/cosign
// (cosign.js part of this module below): the draft travels as a file, never a key.
import {
  state, t, h, show, notice, badge, link, entryLink, fmtTime, fmtAmount, substanceName,
  typeName, fieldName, api, allPages, query, addTexts, registerView, registerNav, catalog,
  b64encode, sha256, enc, concat, postJson,
  currentRoute, isCurrent,
} from './core.js';
import {
  field, textInput, textArea, select, substancePicker, quantityInputs, nowRfc3339,
  rfc3339ToLocal, localToRfc3339, pureAmount, baseAmount, personalSide, reviewAndSend, download,
  verdictView, problemView, receiptView, dryRun, submit,
} from './forms.js';

addTexts({
  'nav.work': ['Bàn làm việc', 'Workspace'],
  'nav.cosign': ['Ký kèm', 'Cosign'],
  'w.title': ['Bàn làm việc của doanh nghiệp', 'Business workspace'],
  'w.stock': ['Tồn kho trên sổ cái', 'Stock on the ledger'],
  'w.inbound': ['Hàng đang chờ nhận (phiếu xuất giao cho bạn)', 'Deliveries waiting for your receipt'],
  'w.noinbound': ['Không có phiếu xuất nào đang chờ bạn xác nhận.', 'No dispatch is waiting for your receipt.'],
  'w.receive': ['Xác nhận nhận hàng', 'Record the receipt'],
  'w.pending': ['Biên bản kiểm tra chờ bạn trả lời', 'Inspections waiting for your answer'],
  'w.answer': ['Trả lời biên bản', 'Answer'],
  'w.recent': ['Các bản ghi gần đây của bạn', 'Your latest records'],
  'w.void': ['Hủy bản ghi này', 'Void this record'],
  'w.new': ['Lập bản ghi mới', 'New record'],
  'w.csv': ['Gửi tệp CSV (nhiều bản ghi)', 'Upload a CSV file (many records)'],
  'w.cosign': ['Ký kèm bản ghi (người chứng kiến)', 'Cosign a record (witness)'],
  'w.notbusiness': ['Bàn làm việc dành cho tài khoản doanh nghiệp.', 'The workspace is for business accounts.'],
  'w.back': ['← Bàn làm việc', '← Workspace'],
  'n.title': ['Lập bản ghi: {type}', 'New record: {type}'],
  'n.id': ['Số hiệu bản ghi (của bạn, không trùng)', 'Record id (yours, never reused)'],
  'n.id.hint': ['Chữ không dấu, số, dấu gạch; không dấu cách. Gửi lại cùng bản ghi là an toàn.', 'ASCII letters, digits, dashes; no spaces. Sending the same record again is safe.'],
  'n.at': ['Thời điểm sự việc (giờ Việt Nam)', 'When it happened (Vietnam time)'],
  'n.late': ['Lý do nộp muộn (chỉ khi quá 10 ngày)', 'Why filed late (only after 10 days)'],
  'n.doc': ['Chứng từ kèm theo', 'Supporting document'],
  'n.doc.kind': ['Loại chứng từ (ví dụ: hóa đơn GTGT)', 'Kind (e.g. VAT invoice)'],
  'n.doc.number': ['Số chứng từ', 'Document number'],
  'n.doc.file': ['Tệp chứng từ (chỉ tính mã SHA-256 trong trình duyệt, tệp không được gửi đi)', 'Document file (only its SHA-256 is computed here; the file is not sent)'],
  'n.doc.sha': ['SHA-256 của tệp', 'SHA-256 of the file'],
  'n.party': ['Bên ngoài sổ cái', 'Party outside the ledger'],
  'n.party.seller': ['Bên bán (ngoài sổ cái)', 'Seller (outside the ledger)'],
  'n.party.buyer': ['Bên mua (ngoài sổ cái)', 'Buyer (outside the ledger)'],
  'n.country.hint': ['Hai chữ in hoa: VN trong nước; khác là nhập/xuất khẩu.', 'Two capitals: VN domestic; anything else is an import/export.'],
  'n.buyer.hint': ['Bên mua là cá nhân: bỏ trống mã doanh nghiệp và nhập thông tin nhân thân ở phần dữ liệu cá nhân.', 'A buyer who is a person: leave the enterprise code empty and give their identity as personal data.'],
  'n.counterparty': ['Bên nhận (mã bên tham gia đã đăng ký)', 'Receiver (registered participant id)'],
  'n.sender': ['Bên giao', 'Sender'],
  'n.transfer': ['Số phiếu kiểm soát', 'Control-slip number'],
  'n.dispatched': ['Phiếu xuất: {quantity} {unit} {substance}, xuất lúc {at}', 'Dispatch: {quantity} {unit} {substance}, sent {at}'],
  'n.short': ['Số lượng nhận ít hơn số đã xuất: bản ghi vẫn được chấp nhận, phiếu chuyển sang "nhận thiếu", cả hai bên bị cảnh báo receipt_short. Hãy giải trình phần thiếu dưới đây; nếu hàng bị mất trên đường, lập thêm bản ghi báo mất có số phiếu.', 'Less received than dispatched: the record is accepted, the slip becomes "short" and both sides get a receipt_short alert. Explain the shortfall below; if goods were lost in transit, also file a loss naming the slip.'],
  'n.short.note': ['Giải trình phần thiếu', 'Explanation of the shortfall'],
  'n.short.need': ['nhận thiếu cần ghi giải trình', 'a short receipt needs an explanation'],
  'n.more': ['Nhận nhiều hơn số đã xuất là không được (receipt_exceeds_dispatch): phần dư ghi thành một lần mua riêng.', 'More than dispatched cannot be received (receipt_exceeds_dispatch): record any surplus as a purchase.'],
  'n.witness': ['Người chứng kiến (mã bên tham gia, ví dụ cán bộ giám sát)', 'Witness (participant id, e.g. a supervising officer)'],
  'n.witness.hint': ['Người chứng kiến sẽ ký kèm trên thiết bị của họ: sau khi xem trước, tải bản nháp và chuyển cho họ.', 'The witness cosigns on their own device: after the preview, download the draft and pass it on.'],
  'n.kind.lost': ['Thất thoát', 'Lost'], 'n.kind.stolen': ['Mất cắp', 'Stolen'],
  'n.police.hint': ['Bắt buộc khi mất cắp: số hiệu tin báo công an.', 'Required for a theft: the police report reference.'],
  'n.decision.countersign': ['Ký xác nhận', 'Countersign'], 'n.decision.object': ['Phản đối', 'Object'],
  'n.reason.hint': ['Bắt buộc khi phản đối.', 'Required to object.'],
  'n.void.hint': ['Bản ghi gốc vẫn nằm trong sổ, được đánh dấu đã hủy. Nếu cần, gửi bản ghi đúng với số hiệu mới.', 'The original stays in the log, marked void. If needed, send the right record with a new id.'],
  'n.personal.who': ['Người này là', 'This person is'],
  'n.who.buyer': ['người mua (cá nhân)', 'the buyer (a person)'], 'n.who.representative': ['người đại diện', 'a representative'],
  'n.who.driver': ['lái xe', 'the driver'], 'n.who.witness': ['người chứng kiến', 'the witness'], 'n.who.reported_by': ['người phát hiện, báo cáo', 'who found and reported it'],
  'n.need': ['thiếu "{field}"', '"{field}" is missing'],
  'n.badid': ['số hiệu chỉ gồm ký tự ASCII in được, không dấu cách', 'the id must be printable ASCII without spaces'],
  'n.badat': ['thời điểm không hợp lệ', 'the time is not valid'],
  'n.badsha': ['SHA-256 phải là 64 ký tự hex thường', 'the SHA-256 must be 64 lowercase hex digits'],
  'd.draft': ['Tải bản nháp cho người chứng kiến', 'Download the draft for the witness'],
  'd.draft.hint': ['Gửi tệp này cho người chứng kiến (thư, USB, Zalo…). Họ mở trang này trên máy của họ, đăng nhập bằng khóa của họ, vào "Ký kèm", kiểm tra nội dung rồi ký. Một trong hai bên gửi lên sổ cái.', 'Pass this file to the witness (mail, USB stick, chat…). They open this page on their own device, sign in with their own key, open "Cosign", check it and cosign. Either of you then sends it.'],
  'c.title': ['Ký kèm một bản ghi', 'Cosign a record'],
  'c.intro': ['Chọn tệp bản nháp (vigil-draft-….json) do bên lập bản ghi chuyển cho bạn. Bạn sẽ thấy đúng nội dung mình ký. Khóa của bạn không rời khỏi trình duyệt này.', 'Choose the draft file (vigil-draft-….json) the record\'s maker passed to you. You see exactly what you sign. Your key never leaves this browser.'],
  'c.file': ['Tệp bản nháp', 'Draft file'],
  'c.bad': ['Đây không phải tệp bản nháp Vigil: {why}', 'This is not a Vigil draft file: {why}'],
  'c.badsig': ['Chữ ký của bên lập bản ghi không hợp lệ với nội dung này: không ký kèm.', 'The maker\'s signature does not match this content: do not cosign.'],
  'c.summary': ['Bạn được đề nghị ký kèm', 'You are asked to cosign'],
  'c.exact': ['Nội dung chính xác sẽ ký (JSON)', 'The exact content you sign (JSON)'],
  'c.notnamed': ['Lưu ý: bản ghi ghi người chứng kiến là "{witness}", không phải bạn ("{me}"). Máy chủ sẽ từ chối nếu bạn ký kèm.', 'Note: the record names "{witness}" as the witness, not you ("{me}"). The server will refuse it if you cosign.'],
  'c.sign': ['Tôi đã kiểm tra — ký kèm', 'I have checked it — cosign'],
  'c.signed': ['Đã ký kèm. Gửi lên sổ cái ngay, hoặc tải tệp đã ký kèm để trả lại bên lập.', 'Cosigned. Send it to the ledger now, or download the cosigned file for the maker.'],
  'c.download': ['Tải tệp đã ký kèm', 'Download the cosigned file'],
  'c.send': ['Gửi lên sổ cái', 'Send to the ledger'],
  'c.cosigners': ['Chữ ký kèm: {n}', 'Cosignatures: {n}'],
  'c.recheck': ['Kiểm tra thử lại (với các chữ ký kèm)', 'Dry run again (with the cosignatures)'],
});

// The record types a business files, in the menu's order, with their id prefix.
const FORMS = ['chem.purchase', 'chem.sale', 'chem.dispatch', 'chem.receipt', 'chem.use', 'chem.dispose', 'chem.loss', 'chem.stocktake', 'inspection.ack', 'correction'];
const PREFIX = {
  'chem.purchase': 'MUA', 'chem.sale': 'BAN', 'chem.dispatch': 'XG', 'chem.receipt': 'NH', 'chem.use': 'SD',
  'chem.dispose': 'TH', 'chem.loss': 'MM', 'chem.stocktake': 'KK', 'inspection.ack': 'BB', correction: 'DC',
};
const PERSONAL_TYPES = ['chem.purchase', 'chem.sale', 'chem.dispatch', 'chem.receipt', 'chem.use', 'chem.dispose', 'chem.loss'];

function newId(type) {
  const d = nowRfc3339().slice(0, 10).replace(/-/g, '');
  const r = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${PREFIX[type] || 'BG'}-${d}-${r}`.toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// #/work

async function viewWork() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  if (state.me.role !== 'business') {
    if (isCurrent(seq)) show(notice('info', t('w.notbusiness')), h('p', {}, link('#/cosign', t('w.cosign'))));
    return;
  }
  await catalog();
  const me = state.me.participant;
  const enc1 = encodeURIComponent(me);
  const [stock, inbound, inspections, trail] = await Promise.all([
    api(`/v1/participants/${enc1}/stock`),
    allPages('/v1/transfers', { status: 'open' }, 500),
    allPages('/v1/inspections', {}, 500),
    allPages(`/v1/participants/${enc1}/trail`, {}, 2000),
  ]);
  const mine = inbound.items.filter((x) => x.to === me);
  const pending = inspections.items.filter((x) => x.status === 'pending');
  const recent = trail.items.filter((e) => e.payload?.actor === me && /^(chem\.|inspection\.)/.test(e.type)).slice(-10).reverse();
  if (isCurrent(seq)) show(
    h('h1', {}, t('w.title')),
    h('section', { class: 'card', id: 'new-menu' }, h('h2', {}, t('w.new')),
      h('ul', { class: 'menu' }, FORMS.filter((f) => f !== 'chem.receipt').map((f) => h('li', {}, link(`#/new/${f}`, typeName(f))))),
      h('p', { class: 'row' }, link('#/csv', t('w.csv')), link('#/cosign', t('w.cosign')),
        h('a', { href: `#/p/${enc1}`, id: 'my-page' }, t('search.mine')))),
    h('section', { class: 'card', id: 'inbound' }, h('h2', {}, t('w.inbound')),
      mine.length ? h('ul', { class: 'results' }, mine.map((x) => h('li', { 'data-transfer': x.transfer_id },
        h('div', { class: 'result-title' }, h('span', { class: 'mono' }, x.transfer_id), ' · ', substanceName(x.substance), ' · ', fmtAmount(x.amount, x.substance)),
        h('div', { class: 'small muted' }, `${t('n.sender')}: ${x.from} · ${fmtTime(x.dispatched_at)} · ${t('col.due')}: ${fmtTime(x.due)}`),
        link(`#/new/chem.receipt${query({ from: x.from, transfer: x.transfer_id, seq: x.dispatched_seq })}`, t('w.receive')))))
        : h('p', { class: 'muted' }, t('w.noinbound'))),
    pending.length ? h('section', { class: 'card', id: 'pending' }, h('h2', {}, t('w.pending')),
      h('ul', { class: 'results' }, pending.map((x) => h('li', {}, entryLink(x.seq), ' ', typeName(x.type), ' · ', fmtTime(x.at), ' ',
        link(`#/new/inspection.ack${query({ seq: x.seq })}`, t('w.answer')))))) : null,
    h('section', { class: 'card', id: 'stock' }, h('h2', {}, t('w.stock')),
      stock.length ? h('ul', { class: 'results' }, stock.map((x) => h('li', {}, substanceName(x.substance), ': ', h('strong', {}, fmtAmount(x.amount, x.substance, x.unit)))))
        : h('p', { class: 'muted' }, t('p.nostock'))),
    h('section', { class: 'card', id: 'recent' }, h('h2', {}, t('w.recent')),
      recent.length ? h('ul', { class: 'results' }, recent.map((e) => h('li', {}, entryLink(e.seq), ' ', typeName(e.type), ' · ', h('span', { class: 'mono' }, e.payload.id), ' · ', fmtTime(e.payload.at), ' ',
        e.voided ? badge(t('tr.voided'), 'bad') : link(`#/new/correction${query({ seq: e.seq })}`, t('w.void')))))
        : h('p', { class: 'muted' }, t('p.none'))));
}

// ---------------------------------------------------------------------------------------------
// #/new/<type>

// A form built from parts: each part adds fields to the form and a `collect(payload)` that
// writes its fields into the payload (or throws an Error naming what is missing).
function need(value, name) {
  if (!String(value ?? '').trim()) throw new Error(t('n.need', { field: name }));
  return String(value).trim();
}
const opt = (p, key, input) => { const v = input.value.trim(); if (v) p[key] = v; };

function envelope(type) {
  const id = textInput('f-id', { value: newId(type), required: true, spellcheck: 'false' });
  const at = h('input', { type: 'datetime-local', id: 'f-at', name: 'f-at', value: rfc3339ToLocal(nowRfc3339()), step: '1', required: true });
  const late = textInput('f-late_reason');
  return {
    nodes: [h('div', { class: 'grid' }, field('f-id', t('n.id'), id, t('n.id.hint'), true), field('f-at', t('n.at'), at, null, true)),
      h('details', {}, h('summary', {}, t('n.late')), field('f-late_reason', t('n.late'), late))],
    collect(p) {
      const idv = id.value.trim();
      if (!/^[!-~]{1,128}$/.test(idv)) throw new Error(t('n.badid'));
      const atv = localToRfc3339(at.value);
      if (!atv) throw new Error(t('n.badat'));
      Object.assign(p, { type, id: idv, actor: state.me.participant, at: atv });
      opt(p, 'late_reason', late);
    },
  };
}

function movement(type, preset = {}) {
  const picker = substancePicker('f-substance', preset.substance || '', { required: true, disabled: preset.locked || undefined });
  const q = quantityInputs('f-', picker, preset);
  const inputs = {};
  const fields = [];
  const names = type === 'chem.stocktake' ? ['note'] : ['concentration', 'lot', 'packaging', 'purpose', 'transport', 'note'];
  for (const name of names) {
    const input = name === 'note' ? textArea(`f-${name}`) : textInput(`f-${name}`, name === 'concentration' ? { inputmode: 'decimal' } : {});
    if (preset[name]) input.value = preset[name];
    inputs[name] = input;
    fields.push(field(`f-${name}`, fieldName(name), input, null, name === 'purpose' && type === 'chem.use'));
  }
  // One supporting document: its file is hashed here and never sent.
  const docKind = textInput('f-doc-kind');
  const docNumber = textInput('f-doc-number');
  const docSha = textInput('f-doc-sha256', { spellcheck: 'false', class: 'mono' });
  const docFile = h('input', { type: 'file', id: 'f-doc-file' });
  docFile.addEventListener('change', async () => {
    const f = docFile.files[0];
    if (!f) return;
    const hash = await sha256(new Uint8Array(await f.arrayBuffer()));
    docSha.value = Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
    if (!docNumber.value) docNumber.value = f.name.replace(/\.[^.]*$/, '');
  });
  return {
    picker, q, inputs,
    nodes: [field('f-substance', fieldName('substance'), picker, null, true), q.row,
      h('div', { class: 'grid' }, fields),
      h('details', { id: 'doc' }, h('summary', {}, t('n.doc')),
        h('div', { class: 'grid' }, field('f-doc-kind', t('n.doc.kind'), docKind), field('f-doc-number', t('n.doc.number'), docNumber),
          field('f-doc-file', t('n.doc.file'), docFile), field('f-doc-sha256', t('n.doc.sha'), docSha)))],
    collect(p) {
      p.substance = need(picker.value, fieldName('substance'));
      p.quantity = need(q.quantity.value, fieldName('quantity'));
      if (!/^\d+(\.\d+)?$/.test(p.quantity)) throw new Error(t('q.bad'));
      if (!(type === 'chem.stocktake' && p.quantity === '0')) p.unit = q.unit.value;
      for (const [name, input] of Object.entries(inputs)) opt(p, name, input);
      if (docNumber.value.trim() || docSha.value.trim()) {
        const sha = docSha.value.trim();
        if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(t('n.badsha'));
        const d = { number: need(docNumber.value, t('n.doc.number')), sha256: sha };
        if (docKind.value.trim()) d.kind = docKind.value.trim();
        p.documents = [d];
      }
    },
  };
}

function partyPart(role) {
  const inputs = {};
  const nodes = [];
  for (const name of ['name', 'enterprise_code', 'licence_number', 'invoice', 'address', 'country']) {
    const input = textInput(`f-party-${name}`, name === 'country' ? { value: 'VN', maxlength: 2, size: 3 } : {});
    inputs[name] = input;
    const hint = name === 'country' ? t('n.country.hint') : name === 'enterprise_code' && role === 'buyer' ? t('n.buyer.hint') : null;
    nodes.push(field(`f-party-${name}`, fieldName(name), input, hint, name === 'name' || name === 'country'));
  }
  return {
    nodes: [h('fieldset', {}, h('legend', {}, t(role === 'buyer' ? 'n.party.buyer' : 'n.party.seller')), h('div', { class: 'grid' }, nodes))],
    collect(p) {
      const party = {};
      for (const [name, input] of Object.entries(inputs)) opt(party, name, input);
      need(party.name, fieldName('name'));
      need(party.country, fieldName('country'));
      p.party = party;
    },
  };
}

// Personal side data (records.md §7), entered apart from the record and committed to.
function personalPart(type) {
  const who = select('f-p-who', ['buyer', 'representative', 'driver', 'witness', 'reported_by'].map((w) => [w, t(`n.who.${w}`)]),
    type === 'chem.sale' ? 'buyer' : type === 'chem.dispose' ? 'witness' : type === 'chem.loss' ? 'reported_by' : 'driver');
  const inputs = { full_name: textInput('f-p-name', { autocomplete: 'off' }), id_number: textInput('f-p-id', { inputmode: 'numeric' }), phone: textInput('f-p-phone', { type: 'tel' }) };
  return {
    nodes: [h('details', { id: 'personal', open: type === 'chem.sale' || undefined }, h('summary', {}, t('personal.title')),
      h('p', { class: 'small muted' }, t('personal.intro')),
      h('div', { class: 'grid' }, field('f-p-who', t('n.personal.who'), who), field('f-p-name', t('personal.name'), inputs.full_name),
        field('f-p-id', t('personal.id'), inputs.id_number), field('f-p-phone', t('personal.phone'), inputs.phone)))],
    async side(p) {
      const person = {};
      for (const [k, input] of Object.entries(inputs)) opt(person, k, input);
      if (!Object.keys(person).length) return null;
      const s = await personalSide(JSON.stringify({ [who.value]: person }));
      p.personal_commitment = s.commitment;
      return s;
    },
  };
}

function simple(name, label, attrs = {}, hint = null, required = true, area = false) {
  const input = area ? textArea(`f-${name}`, attrs) : textInput(`f-${name}`, attrs);
  return { input, nodes: [field(`f-${name}`, label, input, hint, required)], collect(p) { if (required) p[name] = need(input.value, label); else opt(p, name, input); } };
}

async function viewNew(type, params) {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  if (!FORMS.includes(type)) throw new Error(type);
  await catalog();
  const parts = [envelope(type)];
  let receiptInfo = null;
  let move = null;
  if (type === 'chem.receipt') {
    // Chosen from the open inbound dispatches: the dispatch's own entry gives the amounts.
    const seq = params.get('seq');
    const r = await api(`/v1/entries/${encodeURIComponent(seq)}`);
    const d = JSON.parse(JSON.parse(r.entry).payload);
    receiptInfo = { dispatch: d, seq };
    move = movement(type, { substance: d.substance, quantity: d.quantity, unit: d.unit, concentration: d.concentration, lot: d.lot, packaging: d.packaging, locked: true });
    parts.push({
      nodes: [notice('info', t('n.dispatched', { quantity: d.quantity, unit: d.unit, substance: substanceName(d.substance), at: fmtTime(d.at) }), ' ', entryLink(seq)),
        h('dl', { class: 'facts' }, h('dt', {}, t('n.sender')), h('dd', { id: 'f-counterparty' }, d.actor), h('dt', {}, t('n.transfer')), h('dd', { id: 'f-transfer', class: 'mono' }, d.transfer_id))],
      collect(p) { p.counterparty = d.actor; p.transfer_id = d.transfer_id; },
    });
  } else if (type.startsWith('chem.')) {
    move = movement(type);
  }
  if (move) parts.push(move);
  if (type === 'chem.purchase') parts.push(partyPart('seller'));
  if (type === 'chem.sale') parts.push(partyPart('buyer'));
  if (type === 'chem.dispatch') {
    parts.push(simple('counterparty', t('n.counterparty'), { spellcheck: 'false' }), simple('transfer_id', t('n.transfer'), { spellcheck: 'false' }));
  }
  if (type === 'chem.use') parts.push(simple('product', fieldName('product'), {}, null, false));
  if (type === 'chem.dispose') {
    parts.push(simple('method', fieldName('method')), simple('witness', t('n.witness'), { spellcheck: 'false' }, t('n.witness.hint')));
  }
  if (type === 'chem.loss') {
    const kind = select('f-kind', [['lost', t('n.kind.lost')], ['stolen', t('n.kind.stolen')]], 'lost');
    const discovered = h('input', { type: 'datetime-local', id: 'f-discovered_at', step: '1' });
    const police = simple('police_report', fieldName('police_report'), {}, t('n.police.hint'), false);
    const transfer = simple('transfer_id', t('n.transfer'), { spellcheck: 'false' }, null, false);
    const sender = simple('counterparty', t('n.sender'), { spellcheck: 'false' }, null, false);
    parts.push({
      nodes: [h('div', { class: 'grid' }, field('f-kind', fieldName('kind'), kind, null, true), field('f-discovered_at', fieldName('discovered_at'), discovered)),
        police.nodes, h('details', {}, h('summary', {}, t('n.transfer')), h('div', { class: 'grid' }, transfer.nodes, sender.nodes))],
      collect(p) {
        p.kind = kind.value;
        const at = localToRfc3339(discovered.value);
        if (at) p.discovered_at = at;
        police.collect(p); transfer.collect(p); sender.collect(p);
      },
    });
  }
  if (type === 'inspection.ack') {
    const seq = simple('inspection_seq', fieldName('inspection_seq'), { inputmode: 'numeric', value: params.get('seq') || '' });
    const decision = select('f-decision', [['countersign', t('n.decision.countersign')], ['object', t('n.decision.object')]], 'countersign');
    const reason = simple('reason', fieldName('reason'), {}, t('n.reason.hint'), false, true);
    parts.push({
      nodes: [seq.nodes, field('f-decision', fieldName('decision'), decision, null, true), reason.nodes],
      collect(p) {
        p.inspection_seq = Number(need(seq.input.value, fieldName('inspection_seq')));
        p.decision = decision.value;
        reason.collect(p);
      },
    });
  }
  if (type === 'correction') {
    const seq = simple('target_seq', fieldName('target_seq'), { inputmode: 'numeric', value: params.get('seq') || '' });
    const reason = simple('reason', fieldName('reason'), {}, null, true, true);
    parts.push({
      nodes: [notice('info', t('n.void.hint')), seq.nodes, reason.nodes],
      collect(p) { p.target_seq = Number(need(seq.input.value, fieldName('target_seq'))); p.action = 'void'; reason.collect(p); },
    });
  }
  // A receipt of less than was dispatched asks for the explanation (records.md §26).
  let shortBox = null;
  if (receiptInfo) {
    const d = receiptInfo.dispatch;
    const explain = textArea('f-short-note');
    shortBox = h('div', { id: 'short', hidden: true }, notice('warn', t('n.short')), field('f-short-note', t('n.short.note'), explain, null, true));
    const more = h('div', { id: 'more', hidden: true }, notice('error', t('n.more')));
    const sent = pureAmount(d.quantity, d.unit, d.concentration);
    const update = () => {
      const got = pureAmount(move.q.quantity.value.trim(), move.q.unit.value, move.inputs.concentration.value.trim() || undefined);
      shortBox.hidden = !(got !== null && sent !== null && got < sent);
      more.hidden = !(got !== null && sent !== null && got > sent);
    };
    for (const el of [move.q.quantity, move.q.unit, move.inputs.concentration]) el.addEventListener('input', update);
    parts.push({
      nodes: [shortBox, more],
      collect(p) {
        update();
        if (!shortBox.hidden) {
          const why = need(explain.value, t('n.short.note'));
          p.note = p.note ? `${p.note} — ${why}` : why;
        }
      },
    });
  }
  const personal = PERSONAL_TYPES.includes(type) ? personalPart(type) : null;
  if (personal) parts.push(personal);

  const form = h('form', { class: 'card', id: 'record-form', 'data-type': type, novalidate: true }, parts.map((x) => x.nodes));
  const run = reviewAndSend(form, async () => {
    const p = {};
    for (const part of parts) if (part.collect) part.collect(p);
    const side = personal ? await personal.side(p) : null;
    return { payload: p, side };
  }, {
    actions: type === 'chem.dispose' ? (body) => h('span', {},
      h('button', { type: 'button', class: 'secondary', id: 'draft-button', onclick: () => download(`vigil-draft-${JSON.parse(body.payload).id}.json`, draftFile(body)) }, t('d.draft')),
      h('p', { class: 'small muted' }, t('d.draft.hint'))) : null,
  });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
  if (isCurrent(seq)) show(h('p', {}, link('#/work', t('w.back'))), h('h1', {}, t('n.title', { type: typeName(type) })), form);
}

// ---------------------------------------------------------------------------------------------
// Drafts and cosigning (#/cosign)

const DRAFT = 'vigil-draft-v1';
function draftFile(body) {
  return `${JSON.stringify({ format: DRAFT, origin: state.log.origin, body }, null, 2)}\n`;
}
function parseDraft(text) {
  let d;
  try { d = JSON.parse(text); } catch (e) { throw new Error(e.message); }
  if (d?.format !== DRAFT || typeof d.body !== 'object') throw new Error(`format ≠ ${DRAFT}`);
  const b = d.body;
  if (typeof b.signer !== 'string' || typeof b.payload !== 'string' || typeof b.sig !== 'string') throw new Error('body {signer, payload, sig}');
  if (d.origin !== state.log.origin) throw new Error(`origin ${d.origin} ≠ ${state.log.origin}`);
  JSON.parse(b.payload);
  return b;
}

// The cosignature of the signed-in key over the same message as the record's signature.
async function cosign(body) {
  const msg = concat(enc.encode(`vigil/v2/entry\n${state.log.origin}\n`), enc.encode(body.payload));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, state.key.privateKey, msg));
  const others = (body.cosigners || []).filter((c) => c.signer !== state.key.keyId);
  return { ...body, cosigners: [...others, { signer: state.key.keyId, sig: b64encode(sig) }] };
}

function summary(p) {
  const rows = [];
  const add = (k, v) => { if (v !== undefined && v !== '') rows.push(h('dt', {}, fieldName(k)), h('dd', {}, v)); };
  add('type', typeName(p.type));
  add('actor', p.actor);
  add('at', fmtTime(p.at));
  if (p.substance) add('substance', `${substanceName(p.substance)} (${p.substance})`);
  if (p.quantity) add('quantity', `${p.quantity} ${p.unit || ''}${p.concentration ? ` · ${p.concentration} %` : ''}`);
  for (const k of ['lot', 'packaging', 'method', 'witness', 'note', 'purpose']) add(k, p[k]);
  return h('dl', { class: 'facts', id: 'cosign-summary' }, rows);
}

async function viewCosign() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  await catalog();
  const file = h('input', { type: 'file', id: 'draft-file', accept: '.json,application/json' });
  const out = h('div', { id: 'cosign-out', 'aria-live': 'polite' });
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    let body;
    try { body = parseDraft(await f.text()); } catch (e) {
      out.replaceChildren(notice('error', t('c.bad', { why: e.message })));
      return;
    }
    await showDraft(out, body);
  });
  if (isCurrent(seq)) show(h('h1', {}, t('c.title')), h('section', { class: 'card' }, h('p', {}, t('c.intro')), field('draft-file', t('c.file'), file)), out);
}

async function showDraft(out, body) {
  const p = JSON.parse(body.payload);
  const mineSigned = (body.cosigners || []).some((c) => c.signer === state.key.keyId) || body.signer === state.key.keyId;
  const verdictBox = h('div', { id: 'dry-run' }, h('p', { class: 'spinner' }, t('form.checking')));
  const result = h('div', { id: 'send-result' });
  const sendButton = h('button', { type: 'button', id: 'cosign-send' }, t('c.send'));
  sendButton.addEventListener('click', async () => {
    sendButton.disabled = true;
    result.replaceChildren(h('p', { class: 'spinner' }, t('form.sending')));
    const answer = await submit(body);
    if (answer.status === 200 || answer.status === 201) result.replaceChildren(receiptView(body, answer));
    else { result.replaceChildren(problemView(answer)); sendButton.disabled = false; }
  });
  const signButton = h('button', { type: 'button', id: 'cosign-button', disabled: mineSigned || undefined }, t('c.sign'));
  signButton.addEventListener('click', async () => {
    const signed = await cosign(body);
    await showDraft(out, signed);
    append(out.querySelector('#cosign-done'), [notice('info', t('c.signed'))]);
  });
  const me = state.me.participant;
  out.replaceChildren(h('section', { class: 'card' },
    h('h2', {}, t('c.summary')), summary(p),
    p.witness && p.witness !== me && p.actor !== me ? notice('warn', t('c.notnamed', { witness: p.witness, me })) : null,
    h('h3', {}, t('c.exact')), h('pre', { class: 'raw', id: 'draft-json', tabindex: '0' }, body.payload),
    h('p', { class: 'small muted', id: 'cosigner-count' }, t('c.cosigners', { n: (body.cosigners || []).length })),
    h('div', { id: 'cosign-done' }),
    h('p', { class: 'row' }, signButton,
      h('button', { type: 'button', class: 'secondary', id: 'cosign-download', onclick: () => download(`vigil-draft-${p.id}-cosigned.json`, draftFile(body)) }, t('c.download')),
      sendButton),
    h('h3', {}, t('form.dryrun')), verdictBox, result));
  verdictBox.replaceChildren(verdictView(await dryRun(body)));
}
const append = (el, kids) => { for (const k of kids) el.append(k); return el; };

registerView(/^\/work$/, viewWork);
registerView(/^\/new\/([a-z.]+)$/, (m, params) => viewNew(m[1], params));
registerView(/^\/cosign$/, viewCosign);
registerNav('#/work', 'nav.work', ['business']);
registerNav('#/cosign', 'nav.cosign', null);

export { viewWork, viewNew, viewCosign, parseDraft, draftFile, cosign, baseAmount, postJson };
