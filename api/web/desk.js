// Vigil web pages: the authority's registration desk (docs/explorer.md "The authority desk",
// docs/operator.md). Views for the authority role: #/desk (menu), #/desk/register
// (participant.register with licences, venues and keys), #/desk/licence (a licence added,
// renewed or suspended: participant.update of the whole list, as `vigil register licence`),
// #/desk/key (key.add), #/desk/revoke-key (key.revoke), #/desk/revoke (participant.revoke);
// records.md §12-16. Each form shows the record exactly as it will be signed and the server's
// dry-run verdict, then signs it with the authority's key and sends it; refusals are shown
// with the rule texts (send.js). The server's rules are the authority: the page checks only
// what it must to build a record (a public key's form). Keys: the desk registers a PUBLIC key
// the participant gives (the text of its .pub file, or the file itself); it never makes or
// sees anyone's secret key.
import {
  state, t, h, show, notice, addTexts, registerView, registerNav, signRecord, postJson, api, catalog,
  substanceName, licenceName, b64decode, hex, sha256, link,
  currentRoute, isCurrent,
} from './core.js';
import { dryRun, verdictView, recordView, answerView } from './send.js';

addTexts({
  'nav.desk': ['Đăng ký', 'Registry desk'],
  'd.title': ['Bàn đăng ký của cơ quan quản lý', 'The authority\'s registration desk'],
  'd.intro': ['Mỗi thao tác lập một bản ghi, hiển thị đúng nội dung sẽ ký và kết quả chạy thử của máy chủ, rồi ký bằng khóa của cơ quan quản lý và gửi. Khóa công khai do chính doanh nghiệp, đơn vị tạo (vigil keygen) và giao tệp .pub; bàn đăng ký không bao giờ tạo hay xem khóa bí mật của họ.', 'Each task makes one record, shows it exactly as it will be signed with the server\'s dry-run verdict, then signs it with the authority\'s key and sends it. Public keys are made by the business or unit itself (vigil keygen), which hands over the .pub file; the desk never makes nor sees their secret key.'],
  'd.register': ['Đăng ký đối tượng mới', 'Register a participant'],
  'd.licence': ['Cấp, gia hạn, đình chỉ giấy phép', 'Add, renew or suspend a licence'],
  'd.key': ['Thêm khóa ký', 'Add a signing key'], 'd.revokekey': ['Thu hồi khóa ký', 'Revoke a signing key'],
  'd.revoke': ['Thu hồi đối tượng', 'Revoke a participant'],
  'd.pid': ['Mã đối tượng (chữ thường, số, - _ .)', 'Participant id (lower case, digits, - _ .)'],
  'd.role': ['Vai trò', 'Role'], 'd.name': ['Tên pháp lý', 'Legal name'], 'd.tax': ['Mã số thuế (10 số, hoặc 10 số-3 số)', 'Tax code (10 digits, or 10-3 digits)'],
  'd.address': ['Địa chỉ trụ sở', 'Head office address'], 'd.province': ['Tỉnh/thành', 'Province'], 'd.commune': ['Xã/phường', 'Commune or ward'],
  'd.pub': ['Khóa công khai (dòng "vigil-ed25519-public-v1 …" của tệp .pub, hoặc chọn tệp)', 'Public key (the "vigil-ed25519-public-v1 …" line of the .pub file, or choose the file)'],
  'd.pubfile': ['Tệp .pub', '.pub file'], 'd.keyid': ['Mã khóa: {id}', 'Key id: {id}'],
  'd.badpub': ['Khóa công khai không hợp lệ: cần dòng "vigil-ed25519-public-v1 <base64 của 32 byte>" (tệp .pub, không phải tệp khóa bí mật).', 'Not a public key: expected "vigil-ed25519-public-v1 <base64 of 32 bytes>" (the .pub file, never the secret key file).'],
  'd.secret': ['Đây là tệp KHÓA BÍ MẬT. Không bao giờ nhận tệp này: hãy yêu cầu tệp .pub.', 'This is a SECRET key file. Never take it: ask for the .pub file.'],
  'd.licences': ['Giấy phép', 'Licences'], 'd.addlicence': ['Thêm giấy phép', 'Add a licence'],
  'd.lkind': ['Loại giấy phép', 'Licence kind'], 'd.lnumber': ['Số giấy phép (chữ in hoa, số, - . _ /)', 'Licence number (capitals, digits, - . _ /)'],
  'd.lissued': ['Ngày cấp', 'Issued'], 'd.lexpires': ['Ngày hết hạn', 'Expires'], 'd.lsubs': ['Hóa chất được phép', 'Substances covered'],
  'd.lvenue': ['Cơ sở (mã, nếu là giấy phép karaoke, bar, vũ trường)', 'Venue id (for a karaoke, bar or dance hall licence)'],
  'd.lsuspended': ['Tạm đình chỉ', 'Suspended'],
  'd.venues': ['Cơ sở kinh doanh', 'Venues'], 'd.addvenue': ['Thêm cơ sở', 'Add a venue'],
  'd.vid': ['Mã cơ sở', 'Venue id'], 'd.vkind': ['Loại cơ sở', 'Venue kind'], 'd.vname': ['Tên cơ sở', 'Venue name'], 'd.vaddress': ['Địa chỉ cơ sở', 'Venue address'],
  'd.remove': ['Bỏ', 'Remove'], 'd.reason': ['Lý do', 'Reason'], 'd.keyidin': ['Mã khóa (16 ký tự hex, không phải khóa công khai)', 'Key id (16 hex digits, not the public key)'],
  'd.current': ['Giấy phép hiện có: {list}', 'Current licences: {list}'], 'd.nolicence': ['chưa có', 'none'],
  'd.load': ['Tải thông tin đối tượng', 'Load the participant'],
  'd.preview': ['Xem trước và chạy thử', 'Preview and dry run'], 'd.send': ['Ký và gửi', 'Sign and send'],
  'd.only': ['Chỉ cơ quan quản lý dùng được bàn đăng ký.', 'Only the authority uses the registration desk.'],
  'd.recordid': ['Mã bản ghi', 'Record id'],
});

const ROLES = ['business', 'inspector', 'police', 'authority'];
const VENUE_KINDS = ['karaoke', 'bar', 'dance_hall'];
const LICENCE_KINDS = ['precursor_trading', 'precursor_use', 'import_export', 'karaoke', 'bar', 'dance_hall'];
const nfc = (x) => String(x || '').trim().normalize('NFC');
const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
const input = (id, attrs = {}) => h('input', { type: 'text', id, autocomplete: 'off', ...attrs });

// A public key as given: the .pub file's line or bare base64 of 32 bytes. Returns {key (base64),
// id (hex of the first 8 bytes of its SHA-256)}; throws on anything else, naming a secret key.
async function parsePublicKey(text) {
  const s = String(text || '').trim();
  if (/^vigil-ed25519-seed/.test(s)) throw new Error(t('d.secret'));
  const b64 = s.startsWith('vigil-ed25519-public-v1 ') ? s.slice(24).trim() : s;
  let raw;
  try { raw = b64decode(b64); } catch { throw new Error(t('d.badpub')); }
  if (raw.length !== 32) throw new Error(t('d.badpub'));
  return { key: b64, id: hex((await sha256(raw)).slice(0, 8)) };
}

// A public key box: a text area and a .pub file chooser that fills it, with the key id shown.
function publicKeyBox(id) {
  const area = h('textarea', { id, rows: 2, spellcheck: 'false', autocomplete: 'off' });
  const info = h('div', { class: 'small', id: `${id}-info` });
  const check = async () => {
    info.replaceChildren();
    if (!area.value.trim()) return;
    try { info.append(t('d.keyid', { id: (await parsePublicKey(area.value)).id })); } catch (e) { info.append(notice('error', e.message)); }
  };
  area.addEventListener('input', check);
  const file = h('input', {
    type: 'file', id: `${id}-file`, accept: '.pub,text/plain',
    onchange: async () => {
      const f = file.files[0];
      if (!f || f.size > 4096) return;
      area.value = (await f.text()).trim();
      file.value = '';
      check();
    },
  });
  return { el: h('div', {}, field(id, t('d.pub'), area), field(`${id}-file`, t('d.pubfile'), file), info), read: () => parsePublicKey(area.value) };
}

// Preview (record + dry run), then sign and send: the same signed body both times.
function sendBlock(build) {
  const out = h('div', { id: 'd-result' });
  let body = null;
  const sendBtn = h('button', {
    type: 'button', id: 'd-send', disabled: true,
    onclick: async () => {
      sendBtn.disabled = true;
      try {
        out.append(h('div', { id: 'd-answer' }, answerView(await postJson('/v1/entries', body))));
      } catch (e) {
        out.append(notice('error', e.message));
      }
    },
  }, t('d.send'));
  const previewBtn = h('button', {
    type: 'button', id: 'd-preview', class: 'secondary',
    onclick: async () => {
      out.replaceChildren();
      sendBtn.disabled = true;
      let payload;
      try {
        payload = await build();
        body = await signRecord(payload);
      } catch (e) {
        out.replaceChildren(notice('error', e.message));
        return;
      }
      out.append(recordView(payload));
      try {
        out.append(verdictView(await dryRun(body)));
      } catch (e) {
        out.append(notice('warn', e.message));
      }
      sendBtn.disabled = false;
    },
  }, t('d.preview'));
  return h('div', { class: 'send' }, h('div', { class: 'actions' }, previewBtn, sendBtn), out);
}

function envelope(type, id) {
  return { type, id, actor: state.me.participant, at: new Date().toISOString() };
}
const recordIdBox = () => input('d-recordid', { placeholder: t('d.recordid') });

// The substances a licence covers: a checkbox per catalogue substance.
function substancePicker(cat, idx) {
  const box = h('div', { class: 'subs', role: 'group', 'aria-label': t('d.lsubs') });
  for (const s of cat.substances || []) {
    const cid = `l${idx}-sub-${s.id}`;
    box.append(h('label', { for: cid }, h('input', { type: 'checkbox', id: cid, value: s.id }), ' ', substanceName(s.id), ' ', h('span', { class: 'muted' }, (s.cas || [])[0] || '')));
  }
  return { el: h('details', {}, h('summary', {}, t('d.lsubs')), box), read: () => [...box.querySelectorAll('input:checked')].map((x) => x.value) };
}

let licenceSeq = 0;
function licenceRow(cat, rows, withSuspended = false) {
  const i = licenceSeq++;
  const kind = h('select', { id: `l${i}-kind` }, LICENCE_KINDS.map((k) => h('option', { value: k }, licenceName(k))));
  const number = input(`l${i}-number`, { autocapitalize: 'characters' });
  const issued = h('input', { type: 'date', id: `l${i}-issued` });
  const expires = h('input', { type: 'date', id: `l${i}-expires` });
  const venue = input(`l${i}-venue`);
  const suspended = h('input', { type: 'checkbox', id: `l${i}-suspended` });
  const subs = substancePicker(cat, i);
  const row = h('fieldset', { class: 'licence-row' }, h('legend', {}, t('d.licences')),
    field(`l${i}-kind`, t('d.lkind'), kind), field(`l${i}-number`, t('d.lnumber'), number),
    h('div', { class: 'row2' }, field(`l${i}-issued`, t('d.lissued'), issued), field(`l${i}-expires`, t('d.lexpires'), expires)),
    subs.el, field(`l${i}-venue`, t('d.lvenue'), venue),
    withSuspended ? h('label', { for: `l${i}-suspended` }, suspended, ' ', t('d.lsuspended')) : null,
    rows ? h('button', { type: 'button', class: 'secondary', onclick: () => { row.remove(); rows.splice(rows.indexOf(entry), 1); } }, t('d.remove')) : null);
  const entry = {
    row,
    read() {
      // Written as the CLI writes it (cli/register_command.cc); the server checks the rest.
      const l = { kind: kind.value, number: number.value.trim(), issued: issued.value, expires: expires.value };
      const s = subs.read();
      if (s.length) l.substances = s;
      if (venue.value.trim()) l.venue = nfc(venue.value);
      if (suspended.checked) l.suspended = true;
      return l;
    },
  };
  if (rows) rows.push(entry);
  return entry;
}

function venueRow(rows) {
  const i = licenceSeq++;
  const id = input(`v${i}-id`);
  const kind = h('select', { id: `v${i}-kind` }, VENUE_KINDS.map((k) => h('option', { value: k }, licenceName(k))));
  const name = input(`v${i}-name`);
  const address = input(`v${i}-address`);
  const row = h('fieldset', { class: 'venue-row' }, h('legend', {}, t('d.venues')),
    field(`v${i}-id`, t('d.vid'), id), field(`v${i}-kind`, t('d.vkind'), kind), field(`v${i}-name`, t('d.vname'), name),
    field(`v${i}-address`, t('d.vaddress'), address),
    h('button', { type: 'button', class: 'secondary', onclick: () => { row.remove(); rows.splice(rows.indexOf(entry), 1); } }, t('d.remove')));
  const entry = {
    row,
    read() {
      const v = { id: nfc(id.value), kind: kind.value };
      if (nfc(name.value)) v.name = nfc(name.value);
      if (nfc(address.value)) v.address = nfc(address.value);
      return v;
    },
  };
  rows.push(entry);
  return entry;
}

function page(title, ...body) {
  show(h('p', {}, link('#/desk', '← ', t('d.title'))), h('h1', {}, title), h('form', { class: 'card desk-form', onsubmit: (e) => e.preventDefault() }, ...body));
}

async function viewRegister() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  const cat = await catalog();
  const pid = input('d-pid', { autocapitalize: 'none' });
  const role = h('select', { id: 'd-role' }, ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))));
  const name = input('d-name');
  const tax = input('d-tax', { inputmode: 'numeric' });
  const address = input('d-address');
  const province = input('d-province', { value: state.log?.jurisdiction?.province || '' });
  const commune = input('d-commune');
  const pub = publicKeyBox('d-pub');
  const licences = [];
  const venues = [];
  const lBox = h('div', { id: 'd-licences' });
  const vBox = h('div', { id: 'd-venues' });
  const rid = recordIdBox();
  const build = async () => {
    const p = envelope('participant.register', nfc(rid.value) || `reg-${pid.value.trim()}`);
    p.participant = pid.value.trim();
    p.role = role.value;
    p.legal_name = nfc(name.value);
    if (tax.value.trim()) p.tax_code = tax.value.trim();
    if (nfc(address.value)) p.address = nfc(address.value);
    const j = {};
    if (nfc(province.value)) j.province = nfc(province.value);
    if (nfc(commune.value)) j.commune = nfc(commune.value);
    if (Object.keys(j).length) p.jurisdiction = j;
    p.keys = [(await pub.read()).key];
    if (licences.length) p.licences = licences.map((l) => l.read());
    if (venues.length) p.venues = venues.map((v) => v.read());
    return p;
  };
  if (isCurrent(seq)) page(t('d.register'),
    field('d-pid', t('d.pid'), pid), field('d-role', t('d.role'), role), field('d-name', t('d.name'), name),
    field('d-tax', t('d.tax'), tax), field('d-address', t('d.address'), address),
    h('div', { class: 'row2' }, field('d-province', t('d.province'), province), field('d-commune', t('d.commune'), commune)),
    pub.el,
    h('h2', {}, t('d.licences')), lBox,
    h('button', { type: 'button', class: 'secondary', id: 'd-addlicence', onclick: () => lBox.append(licenceRow(cat, licences).row) }, t('d.addlicence')),
    h('h2', {}, t('d.venues')), vBox,
    h('button', { type: 'button', class: 'secondary', id: 'd-addvenue', onclick: () => vBox.append(venueRow(venues).row) }, t('d.addvenue')),
    field('d-recordid', t('d.recordid'), rid),
    sendBlock(build));
}

async function viewLicence() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  const cat = await catalog();
  const pid = input('d-pid');
  const current = h('div', { class: 'small', id: 'd-current' });
  let record = null;
  const load = async () => {
    current.replaceChildren();
    record = null;
    try {
      record = await api(`/v1/participants/${encodeURIComponent(pid.value.trim())}`);
      const list = (record.licences || []).map((l) => `${licenceName(l.kind)} ${l.number} (${l.issued} – ${l.expires})`);
      current.append(t('d.current', { list: list.join('; ') || t('d.nolicence') }));
    } catch (e) {
      current.append(notice('error', e.message));
    }
  };
  pid.addEventListener('change', load);
  const lic = licenceRow(cat, null, true);
  const reason = input('d-reason');
  const rid = recordIdBox();
  const build = async () => {
    if (!record || record.participant !== pid.value.trim()) await load();
    if (!record) throw new Error(t('d.load'));
    const l = lic.read();
    // The whole list, the one with this number replaced (a renewal or a suspension) or added.
    const list = [];
    let replaced = false;
    for (const old of record.licences || []) {
      if (old.number === l.number) { list.push(l); replaced = true; } else list.push(old);
    }
    if (!replaced) list.push(l);
    const p = envelope('participant.update', nfc(rid.value) || `licence-${record.participant}-${l.number}${l.suspended ? '-suspended' : ''}-${l.expires}`);
    p.participant = record.participant;
    p.licences = list;
    if (nfc(reason.value)) p.reason = nfc(reason.value);
    return p;
  };
  if (isCurrent(seq)) page(t('d.licence'), field('d-pid', t('d.pid'), pid), h('button', { type: 'button', class: 'secondary', id: 'd-load', onclick: load }, t('d.load')), current,
    lic.row, field('d-reason', t('d.reason'), reason), field('d-recordid', t('d.recordid'), rid), sendBlock(build));
}

async function viewKey() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  const pid = input('d-pid');
  const pub = publicKeyBox('d-pub');
  const rid = recordIdBox();
  const build = async () => {
    const k = await pub.read();
    const p = envelope('key.add', nfc(rid.value) || `key-add-${pid.value.trim()}-${k.id}`);
    p.participant = pid.value.trim();
    p.key = k.key;
    return p;
  };
  if (isCurrent(seq)) page(t('d.key'), field('d-pid', t('d.pid'), pid), pub.el, field('d-recordid', t('d.recordid'), rid), sendBlock(build));
}

async function viewRevokeKey() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  const kid = input('d-keyid', { spellcheck: 'false' });
  const reason = input('d-reason');
  const rid = recordIdBox();
  const build = async () => {
    const p = envelope('key.revoke', nfc(rid.value) || `key-revoke-${kid.value.trim()}`);
    p.key = kid.value.trim();
    p.reason = nfc(reason.value);
    return p;
  };
  if (isCurrent(seq)) page(t('d.revokekey'), field('d-keyid', t('d.keyidin'), kid), field('d-reason', t('d.reason'), reason), field('d-recordid', t('d.recordid'), rid), sendBlock(build));
}

async function viewRevoke() {
  const seq = currentRoute();  // a render that ends after the user moved on draws nothing
  const pid = input('d-pid');
  const reason = input('d-reason');
  const rid = recordIdBox();
  const build = async () => {
    const p = envelope('participant.revoke', nfc(rid.value) || `revoke-${pid.value.trim()}`);
    p.participant = pid.value.trim();
    p.reason = nfc(reason.value);
    return p;
  };
  if (isCurrent(seq)) page(t('d.revoke'), field('d-pid', t('d.pid'), pid), field('d-reason', t('d.reason'), reason), field('d-recordid', t('d.recordid'), rid), sendBlock(build));
}

function viewDesk() {
  const item = (href, key) => h('li', {}, h('a', { class: 'button', href }, t(key)));
  show(h('h1', {}, t('d.title')), h('p', {}, t('d.intro')),
    h('ul', { class: 'desk-menu' }, item('#/desk/register', 'd.register'), item('#/desk/licence', 'd.licence'),
      item('#/desk/key', 'd.key'), item('#/desk/revoke-key', 'd.revokekey'), item('#/desk/revoke', 'd.revoke')));
}

// Only the authority signs these records; another role sees why (the server would refuse).
const authorityOnly = (render) => async (...args) => {
  if (state.me?.role !== 'authority') { show(notice('error', t('d.only'))); return; }
  await render(...args);
};
registerView(/^\/desk$/, authorityOnly(viewDesk));
registerView(/^\/desk\/register$/, authorityOnly(viewRegister));
registerView(/^\/desk\/licence$/, authorityOnly(viewLicence));
registerView(/^\/desk\/key$/, authorityOnly(viewKey));
registerView(/^\/desk\/revoke-key$/, authorityOnly(viewRevokeKey));
registerView(/^\/desk\/revoke$/, authorityOnly(viewRevoke));
registerNav('#/desk', 'nav.desk', ['authority']);

export { parsePublicKey };
