// Vigil audit explorer and the page's router (docs/explorer.md): sign-in, the read-only views
// (search, participant, entry, alerts, trust), and routing to the views other modules register
// (core.js registerView). Every text goes through t(); Vietnamese by default, English on request.
import {
  TEXT, LICENCES, state, t, typeName, licenceName, fieldName, h, append, s, main, isCurrent,
  show, table, notice, badge, link, entryLink, partyLink, fmtTime, fmtDate, fmtInt, fmtDecimal,
  fmtAmount, toMicro, substanceName, roleName, placeName, enc, sha256, importKeyFile, ApiError,
  query, api, catalog, allPages, KEY_COSIGNATURE, parseVerifierKey, pinned, setPin,
  witnessPolicy, setWitnessPolicy, verifyEntry, beginRoute, currentRoute, views, navItems,
  signInHooks,
} from './core.js';
// Page modules that register their views (core.js registerView) for other roles.
import './workspace.js';
import './csv.js';
import './field.js';
import './desk.js';
// ---------------------------------------------------------------------------------------------
// Header, language, sign-in

function applyStaticTexts() {
  document.documentElement.lang = state.lang;
  document.title = `Vigil – ${t('app.title')}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.getElementById('lang').textContent = state.lang === 'vi' ? 'English' : 'Tiếng Việt';
  const who = document.getElementById('who');
  who.replaceChildren();
  const nav = document.getElementById('nav');
  nav.hidden = !state.me;
  for (const a of nav.querySelectorAll('a.added')) a.remove();
  for (const item of navItems) {
    if (state.me && (!item.roles || item.roles.includes(state.me.role))) {
      nav.append(h('a', { href: item.href, class: 'added' }, t(item.textKey)));
    }
  }
  if (state.me) {
    const name = state.me.record?.legal_name || state.me.participant;
    append(who, [
      h('span', { id: 'who-name', title: t('who.key', { key: state.me.key }) }, t('who.as', { name }), ' · ', roleName(state.me.role)),
      h('button', { type: 'button', id: 'signout', onclick: signOut }, t('who.out')),
    ]);
  }
  const line = document.getElementById('logline');
  line.textContent = state.log ? t('log.line', { origin: state.log.origin, size: fmtInt(state.log.size), place: placeName(state.log.jurisdiction) }) : 'Vigil';
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', location.hash.startsWith(a.getAttribute('href')));
  }
}

function signOut() {
  state.key = null;
  state.me = null;
  state.offlineSignIn = false;
  for (const hk of signInHooks) hk.signedOut?.();
  location.hash = '#/signin';
  route();
}

function viewSignIn(error) {
  const input = h('input', { type: 'file', id: 'keyfile', accept: '.key,.pub,text/plain', multiple: true, required: true });
  const pass = h('input', { type: 'password', id: 'passphrase', autocomplete: 'off' });
  const status = h('div', { id: 'signin-status' });
  if (error) append(status, [notice('error', error)]);
  const form = h('form', {
    class: 'card narrow', id: 'signin',
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (!input.files.length) return;
      status.replaceChildren(h('p', { class: 'spinner' }, t('signin.checking')));
      // The passphrase as bytes that are wiped; the field is emptied (its string cannot be).
      const passBytes = enc.encode(pass.value);
      pass.value = '';
      try {
        state.key = await importKeyFile(input.files, passBytes,
          () => status.replaceChildren(h('p', { class: 'spinner' }, t('signin.deriving'))));
        passBytes.fill(0);
        status.replaceChildren(h('p', { class: 'spinner' }, t('signin.checking')));
        input.value = '';
        state.offlineSignIn = false;
        try {
          state.me = await api('/v1/me');
        } catch (e) {
          // No network: an identity this browser remembered for this key (field.js), if any.
          if (!(e instanceof ApiError) || e.status !== 0) throw e;
          for (const hk of signInHooks) state.me = state.me || await hk.offline?.(state.key.keyId);
          if (!state.me) throw e;
          state.offlineSignIn = true;
        }
        for (const hk of signInHooks) await hk.signedIn?.(state.me, state.offlineSignIn);
        await afterSignIn();
        // Back to the view that asked for the sign-in (a reload keeps the address), else home.
        const wanted = /^#\/(p|entry|alerts|trust|search|work|new|csv|cosign|field|desk)\b/.test(location.hash) && !(state.me.role === 'business' && location.hash.startsWith('#/search'));
        const home = { business: '#/work', inspector: '#/field', authority: '#/desk' };
        if (!wanted) location.hash = home[state.me.role] || '#/search';
        route();
      } catch (e) {
        passBytes.fill(0);
        state.key = null;
        state.me = null;
        const msg = e instanceof ApiError && e.status ? `${t('signin.refused')}: ${e.detail}` : e.message;
        status.replaceChildren(notice('error', msg));
      }
    },
  },
  h('h1', {}, t('signin.title')),
  h('p', {}, t('signin.intro')),
  h('label', { for: 'keyfile' }, t('signin.file')), input,
  h('label', { for: 'passphrase' }, t('signin.passphrase')), pass,
  h('p', { class: 'small muted' }, t('signin.reload')),
  h('p', {}, h('button', { type: 'submit', id: 'signin-button' }, t('signin.button'))),
  status);
  show(form);
}

async function afterSignIn() {
  state.log = await api('/v1/log', { signed: false });
  await catalog();
  // First use: pin the server's key, clearly labelled as not independently compared.
  if (!pinned()) setPin(state.log.verifier_key, 'first-use');
}

function trustBanners() {
  const pin = pinned();
  const out = [];
  if (pin && state.log && pin.key !== state.log.verifier_key) out.push(notice('error', t('trust.mismatch'), ' ', link('#/trust', t('nav.trust'))));
  else if (pin && pin.source === 'first-use') out.push(notice('warn', t('trust.banner'), ' ', link('#/trust', t('nav.trust'))));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Views

const norm = (x) => String(x || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

function participantItem(p) {
  const lic = (p.licences || []).map((l) => l.number).join(', ');
  const venues = (p.venues || []).map((v) => v.name || v.id).join(', ');
  return h('li', {},
    h('div', { class: 'result-title' }, link(`#/p/${encodeURIComponent(p.participant)}`, p.legal_name || p.participant), ' ',
      badge(roleName(p.role)), p.revoked ? [' ', badge(t('p.revoked', { seq: p.revoked_seq ?? '' }), 'bad')] : null),
    h('div', { class: 'small muted' }, [p.participant, p.tax_code && `${t('p.tax')} ${p.tax_code}`, placeName(p.jurisdiction)].filter(Boolean).join(' · ')),
    lic ? h('div', { class: 'small' }, `${t('p.licences')}: ${lic}`) : null,
    venues ? h('div', { class: 'small' }, `${t('p.venues')}: ${venues}`) : null);
}

async function viewSearch(params) {
  const text = params.get('q') || '';
  const input = h('input', { type: 'search', id: 'q', name: 'q', value: text, placeholder: t('search.placeholder'), autocomplete: 'off' });
  const results = h('div', { id: 'results' });
  const form = h('form', {
    class: 'card', id: 'search', role: 'search',
    onsubmit: (ev) => { ev.preventDefault(); location.hash = `#/search${query({ q: input.value.trim() })}`; },
  }, h('label', { for: 'q' }, t('search.label')),
  h('div', { class: 'row' }, h('div', { class: 'grow' }, input), h('button', { type: 'submit', id: 'search-button' }, t('search.button'))));
  show(h('h1', {}, t('search.title')), ...trustBanners(), form, results);
  if (state.me.role === 'business') {
    append(results, [notice('info', t('search.business'), ' ', link(`#/p/${encodeURIComponent(state.me.participant)}`, t('search.mine')))]);
    return;
  }
  if (text.length < 2) {
    if (text.length === 0) {
      results.replaceChildren(h('p', { class: 'spinner' }, t('loading')));
      const all = await api(`/v1/participants${query({ limit: 100 })}`);
      results.replaceChildren(h('section', { class: 'card' }, h('h2', {}, t('search.all')),
        all.items.length ? h('ul', { class: 'results' }, all.items.map(participantItem)) : h('p', {}, t('search.nobody'))));
    } else {
      results.replaceChildren(h('p', { class: 'muted' }, t('search.hint')));
    }
    return;
  }
  results.replaceChildren(h('p', { class: 'spinner' }, t('loading')));
  const needle = norm(text);
  const subs = (await catalog()).substances.filter((x) =>
    [x.id, x.name_en, x.name_vi, ...(x.cas || []), ...(x.synonyms || [])].some((v) => v && norm(v).includes(needle))).slice(0, 6);
  const [people, holders] = await Promise.all([
    api(`/v1/participants${query({ q: text, limit: 100 })}`),
    Promise.all(subs.map((x) => api(`/v1/participants${query({ substance: x.id, limit: 100 })}`))),
  ]);
  const out = [];
  if (people.items.length) {
    out.push(h('section', { class: 'card', id: 'participant-results' }, h('h2', {}, t('search.participants')),
      h('ul', { class: 'results' }, people.items.map(participantItem))));
  }
  if (subs.length) {
    out.push(h('section', { class: 'card', id: 'substance-results' }, h('h2', {}, t('search.substances')),
      subs.map((x, i) => h('div', {},
        h('h3', {}, substanceName(x.id), ' ', h('span', { class: 'muted small' }, [`CAS ${(x.cas || [x.id]).join(', ')}`, x.table && `· ${state.lang === 'vi' ? 'Bảng' : 'Table'} ${x.table}`, x.name_vi && state.lang === 'vi' ? `· ${x.name_en}` : ''].filter(Boolean).join(' '))),
        h('div', { class: 'small muted' }, t('search.holders')),
        holders[i].items.length ? h('ul', { class: 'results' }, holders[i].items.map(participantItem)) : h('p', { class: 'muted' }, t('search.nobody'))))));
  }
  if (!out.length) out.push(h('p', {}, t('search.none')));
  results.replaceChildren(...out);
}

function licenceRows(p) {
  const now = Date.now();
  return (p.licences || []).map((l) => {
    const exp = Date.parse(`${l.expires}T00:00:00Z`);
    const flag = exp < now ? badge(t('lic.expired'), 'bad') : exp - now < 30 * 86400e3 ? badge(t('lic.soon'), 'warn') : null;
    return [licenceName(l.kind), h('span', { class: 'mono' }, l.number), fmtDate(l.issued), [fmtDate(l.expires), flag ? [' ', flag] : null],
      (l.substances || []).map(substanceName).join(', ') || l.venue || ''];
  });
}

// Stock after each change, as a step chart over the record time (`at`) of those entries.
function stockChart(history, atBySeq, substanceId, width) {
  const pts = [];
  let lastX = -Infinity;
  for (const hpt of history) {
    const at = atBySeq.get(hpt.seq);
    let x = at ? Date.parse(at) : NaN;
    if (Number.isNaN(x)) x = lastX === -Infinity ? 0 : lastX;
    x = Math.max(x, lastX); // keep the log's order
    lastX = x;
    pts.push({ x, y: Number(hpt.amount), seq: hpt.seq, at });
  }
  if (!pts.length) return h('p', { class: 'muted' }, t('p.nostock'));
  // Drawn at the box's own width, so its text keeps its size on a phone.
  const W = Math.round(Math.max(300, Math.min(1000, width || 640))), H = 200, L = 70, R = 14, T = 14, B = 30;
  const x0 = pts[0].x, x1 = Math.max(pts[pts.length - 1].x, x0 + 1);
  const yMax = Math.max(...pts.map((p) => p.y), 1);
  const X = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const Y = (y) => T + (1 - y / yMax) * (H - T - B);
  let d = `M${X(pts[0].x).toFixed(1)},${Y(0).toFixed(1)} L${X(pts[0].x).toFixed(1)},${Y(pts[0].y).toFixed(1)}`;
  for (let i = 1; i < pts.length; i++) d += ` L${X(pts[i].x).toFixed(1)},${Y(pts[i - 1].y).toFixed(1)} L${X(pts[i].x).toFixed(1)},${Y(pts[i].y).toFixed(1)}`;
  const area = `${d} L${X(pts[pts.length - 1].x).toFixed(1)},${Y(0).toFixed(1)} Z`;
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('p.stockchart', { name: substanceName(substanceId) }) },
    s('line', { class: 'axis', x1: L, y1: Y(0), x2: W - R, y2: Y(0) }),
    s('line', { class: 'axis', x1: L, y1: T, x2: L, y2: Y(0) }),
    s('text', { x: L - 6, y: T + 4, 'text-anchor': 'end' }, fmtAmount(yMax, substanceId)),
    s('text', { x: L - 6, y: Y(0), 'text-anchor': 'end' }, '0'),
    s('text', { x: L, y: H - 8 }, pts[0].at ? fmtDate(pts[0].at) : ''),
    s('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, pts[pts.length - 1].at ? fmtDate(pts[pts.length - 1].at) : ''),
    s('path', { class: 'area', d: area }),
    s('path', { class: 'line', d }),
    pts.map((p) => s('circle', { class: 'pt', cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: 4, onclick: () => { location.hash = `#/entry/${p.seq}`; } },
      s('title', {}, `#${p.seq} · ${fmtTime(p.at)} · ${fmtAmount(p.y, substanceId)}`))));
}

// One line of words for a trail entry.
function entrySummary(payload, self) {
  const bits = [];
  const by = self && payload.actor && payload.actor !== self ? `${payload.actor}: ` : '';
  if (payload.substance) bits.push(substanceName(payload.substance));
  if (payload.quantity) bits.push(`${fmtDecimal(payload.quantity)} ${payload.unit || ''}`.trim());
  if (payload.counterparty) bits.push(`↔ ${payload.counterparty}`);
  if (payload.party?.name) bits.push(`↔ ${payload.party.name}`);
  if (payload.venue) bits.push(payload.venue);
  if (payload.legal_name) bits.push(payload.legal_name);
  if (payload.reason) bits.push(payload.reason);
  return by + bits.join(' · ');
}

const IN_TYPES = ['chem.purchase', 'chem.receipt'];
const OUT_TYPES = ['chem.sale', 'chem.dispatch'];
const USED_TYPES = ['chem.use', 'chem.dispose', 'chem.loss'];
// Quantities by substance for one year of the trail, as recorded (gross, in kg or L).
function yearSummary(trail, actor, year) {
  const rows = new Map();
  for (const e of trail) {
    const p = e.payload;
    if (!p || p.actor !== actor || !p.substance || !String(p.at || '').startsWith(String(year))) continue;
    const kind = IN_TYPES.includes(p.type) ? 'in' : OUT_TYPES.includes(p.type) ? 'out' : USED_TYPES.includes(p.type) ? 'used' : null;
    if (!kind) continue;
    const q = toMicro(p.quantity, p.unit);
    if (q === null) continue;
    const r = rows.get(p.substance) || { in: 0n, out: 0n, used: 0n, n: 0 };
    r[kind] += q;
    r.n += 1;
    rows.set(p.substance, r);
  }
  return rows;
}

async function viewParticipant(id) {
  const seq = currentRoute();
  show(h('p', { class: 'spinner' }, t('loading')));
  await catalog();
  const enc1 = encodeURIComponent(id);
  const [p, stock, transfers, inspections, alerts, trail] = await Promise.all([
    api(`/v1/participants/${enc1}`),
    api(`/v1/participants/${enc1}/stock`),
    allPages('/v1/transfers', { participant: id }, 500),
    allPages('/v1/inspections', { business: id }, 500),
    allPages('/v1/alerts', { participant: id }, 500),
    allPages(`/v1/participants/${enc1}/trail`, {}, 2000),
  ]);
  for (const e of trail.items) {
    try { e.decoded = JSON.parse(e.entry); e.payload = JSON.parse(e.decoded.payload); } catch { e.payload = null; }
  }
  const atBySeq = new Map(trail.items.map((e) => [e.seq, e.payload?.at]));

  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('p.id')), h('dd', { class: 'mono' }, p.participant),
    h('dt', {}, t('p.role')), h('dd', {}, roleName(p.role)),
    p.tax_code ? [h('dt', {}, t('p.tax')), h('dd', {}, p.tax_code)] : null,
    p.address ? [h('dt', {}, t('p.address')), h('dd', {}, p.address)] : null,
    h('dt', {}, t('p.jurisdiction')), h('dd', {}, placeName(p.jurisdiction)),
    h('dt', {}, t('p.status')), h('dd', {}, p.revoked ? badge(t('p.revoked', { seq: p.revoked_seq }), 'bad') : badge(t('p.active'), 'ok')),
    h('dt', {}, t('p.registered')), h('dd', {}, entryLink(p.registered_seq)),
    h('dt', {}, t('p.keys')), h('dd', { class: 'mono' }, (p.keys || []).join(', ')));

  // Stock and its chart.
  const chartBox = h('div', { id: 'stock-chart' });
  const drawChart = async (sub) => {
    chartBox.replaceChildren(h('p', { class: 'spinner' }, t('loading')));
    const r = await api(`/v1/participants/${enc1}/stock${query({ substance: sub })}`);
    chartBox.replaceChildren(h('h3', {}, t('p.stockchart', { name: substanceName(sub) })), stockChart(r.history, atBySeq, sub, chartBox.clientWidth));
  };
  const stockSel = h('select', { id: 'stock-substance', onchange: (ev) => drawChart(ev.target.value) },
    stock.map((x) => h('option', { value: x.substance }, substanceName(x.substance))));
  const stockSection = h('section', { class: 'card', id: 'stock' }, h('h2', {}, t('p.stock')),
    stock.length ? [
      table([t('col.substance'), 'CAS', t('col.quantity')],
        stock.map((x) => [substanceName(x.substance), h('span', { class: 'mono' }, x.substance), fmtAmount(x.amount, x.substance, x.unit)]), ['', '', 'num']),
      h('label', { for: 'stock-substance' }, t('col.substance')), stockSel, chartBox,
    ] : h('p', { class: 'muted' }, t('p.nostock')));

  // The year's movements.
  const years = [...new Set(trail.items.map((e) => String(e.payload?.at || '').slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort().reverse();
  const summaryBox = h('div', { id: 'year-summary' });
  const drawSummary = (year) => {
    const rows = [...yearSummary(trail.items, id, year)];
    summaryBox.replaceChildren(rows.length ? table([t('col.substance'), `${t('col.in')} (${t('sum.in')})`, `${t('col.out')} (${t('sum.out')})`, t('sum.used'), t('col.count')],
      rows.map(([sub, r]) => [substanceName(sub), fmtAmount(r.in, sub), fmtAmount(r.out, sub), fmtAmount(r.used, sub), fmtInt(r.n)]), ['', 'num', 'num', 'num', 'num'])
      : h('p', { class: 'muted' }, t('p.none')));
  };
  const yearSel = h('select', { id: 'year', onchange: (ev) => drawSummary(ev.target.value) }, years.map((y) => h('option', { value: y }, y)));
  const summarySection = p.role === 'business' ? h('section', { class: 'card', id: 'summary' }, h('h2', {}, t('p.summary')),
    years.length ? [h('label', { for: 'year' }, t('p.year')), yearSel, summaryBox] : h('p', { class: 'muted' }, t('p.none'))) : null;

  const transferRows = transfers.items.map((x) => {
    const st = x.overdue ? 'overdue' : x.status;
    return [h('span', { class: 'mono' }, x.transfer_id), substanceName(x.substance), fmtAmount(x.amount, x.substance),
      partyLink(x.from), partyLink(x.to), [entryLink(x.dispatched_seq), ' ', fmtTime(x.dispatched_at)], fmtTime(x.due),
      x.received_seq !== undefined ? [entryLink(x.received_seq), ' ', fmtAmount(x.received_amount, x.substance)] : '',
      badge(t(`tr.${st}`), st === 'received' ? 'ok' : st === 'open' ? '' : 'bad')];
  });
  const inspectionRows = inspections.items.map((x) => [entryLink(x.seq), fmtTime(x.at), typeName(x.type), x.venue || '', partyLink(x.inspector),
    [x.violations ? badge(t('insp.violations', { n: x.violations }), 'bad') : badge(t('insp.violations', { n: 0 }), 'ok'),
      x.drug_tests ? [' ', t('insp.drugs', { pos: x.drug_tests.positive, tested: x.drug_tests.tested })] : null],
    badge(t(`insp.${x.status}`), x.status === 'countersigned' ? 'ok' : x.status === 'objected' ? 'bad' : 'warn')]);

  // The trail, filterable by type.
  const trailBox = h('div', { id: 'trail-table' });
  const types = [...new Set(trail.items.map((e) => e.type))];
  const drawTrail = (type) => {
    const items = trail.items.filter((e) => !type || e.type === type).slice().reverse();
    trailBox.replaceChildren(table([t('col.seq'), t('col.type'), t('col.at'), t('col.what')],
      items.map((e) => [entryLink(e.seq), typeName(e.type), fmtTime(e.payload?.at), e.payload ? entrySummary(e.payload, id) : ''])));
  };
  const typeSel = h('select', { id: 'trail-type', onchange: (ev) => drawTrail(ev.target.value) },
    h('option', { value: '' }, t('p.alltypes')), types.map((x) => h('option', { value: x }, typeName(x))));

  if (!isCurrent(seq)) return;
  show(
    h('h1', {}, p.legal_name || p.participant),
    ...trustBanners(),
    h('section', { class: 'card', id: 'facts' }, facts),
    (p.licences || []).length ? h('section', { class: 'card', id: 'licences' }, h('h2', {}, t('p.licences')),
      table([t('lic.kind'), t('lic.number'), t('lic.issued'), t('lic.expires'), `${t('lic.substances')} / ${t('lic.venue')}`], licenceRows(p))) : null,
    (p.venues || []).length ? h('section', { class: 'card', id: 'venues' }, h('h2', {}, t('p.venues')),
      h('ul', {}, p.venues.map((v) => h('li', {}, `${v.name || v.id} (${licenceName(v.kind)})`, v.hours ? ` · ${v.hours.open}–${v.hours.close}` : '')))) : null,
    p.role === 'business' ? stockSection : null,
    summarySection,
    h('section', { class: 'card', id: 'transfers' }, h('h2', {}, t('p.transfers')),
      transferRows.length ? table([t('col.transfer'), t('col.substance'), t('col.quantity'), t('col.from'), t('col.to'), t('col.at'), t('col.due'), t('col.received'), t('col.status')], transferRows, ['', '', 'num'])
        : h('p', { class: 'muted' }, t('p.none'))),
    h('section', { class: 'card', id: 'inspections' }, h('h2', {}, t('p.inspections')),
      inspectionRows.length ? table([t('col.seq'), t('col.at'), t('col.type'), t('col.venue'), t('col.inspector'), t('col.result'), t('col.status')], inspectionRows)
        : h('p', { class: 'muted' }, t('p.none'))),
    h('section', { class: 'card', id: 'participant-alerts' }, h('h2', {}, t('p.alerts')), alertList(alerts.items)),
    h('section', { class: 'card', id: 'trail' }, h('h2', {}, t('p.trail')),
      h('label', { for: 'trail-type' }, t('p.type')), typeSel, trailBox,
      trail.more ? h('p', { class: 'small muted' }, '…') : null),
  );
  drawTrail('');
  if (years.length) drawSummary(years[0]);
  if (stock.length) await drawChart(stock[0].substance);
}

function alertText(a) {
  const sub = a.substance;
  const amt = (v) => (v === undefined ? '?' : fmtAmount(v, sub));
  const key = `am.${a.kind}`;
  if (!TEXT.vi[key]) return a.message || a.kind;
  return t(key, {
    amount: amt(a.amount), total: amt(a.total), limit: amt(a.limit), average: amt(a.average), received: amt(a.received),
    dispatched: amt(a.dispatched), counted: amt(a.counted), ledger: amt(a.ledger), substance: substanceName(sub),
    counterparty: a.counterparty ?? '', transfer: a.transfer_id ?? '', days: a.window_days ?? '', end: a.window_end ?? '',
    in_transit: amt(a.in_transit), buyer: a.buyer ?? '', record_at: fmtTime(a.record_at), days_late: a.days_late ?? '',
    venue: a.venue ?? '', violations: a.violations ?? 0, positive: a.positive ?? 0, count: a.count ?? '', licence: a.licence ?? '',
    items: (a.items || []).join(', '), target: a.target_type ?? '', target_seq: a.target_seq ?? '',
  });
}

function alertList(items) {
  if (!items.length) return h('p', { class: 'muted' }, t('p.none'));
  return h('ul', { class: 'results alerts' }, items.map((a) => h('li', {},
    badge(t(`alert.${a.kind}`) === `alert.${a.kind}` ? a.kind : t(`alert.${a.kind}`), 'bad'),
    h('span', {}, alertText(a)),
    h('span', { class: 'small muted' }, partyLink(a.participant), ' · ', placeName(a.jurisdiction), ' · ', fmtTime(a.at), ' · ', entryLink(a.seq)))));
}

async function viewAlerts(params) {
  await catalog();
  const kinds = ['threshold_single', 'threshold_window', 'outside_buyer_window', 'unusual_size', 'receipt_short', 'receipt_overdue',
    'loss_reported', 'late_entry', 'count_mismatch', 'venue_violation', 'repeat_violation', 'licence_expiring', 'critical_item',
    'self_void'];
  const f = Object.fromEntries(['kind', 'from', 'to', 'province', 'commune'].map((k) => [k, params.get(k) || '']));
  const kindSel = h('select', { id: 'alert-kind', name: 'kind' }, h('option', { value: '' }, t('alerts.all')),
    kinds.map((k) => h('option', { value: k, selected: f.kind === k }, t(`alert.${k}`))));
  const from = h('input', { type: 'date', id: 'alert-from', value: f.from });
  const to = h('input', { type: 'date', id: 'alert-to', value: f.to });
  const province = h('input', { type: 'text', id: 'alert-province', value: f.province });
  const commune = h('input', { type: 'text', id: 'alert-commune', value: f.commune });
  const list = h('div', { id: 'alert-list' }, h('p', { class: 'spinner' }, t('loading')));
  const form = h('form', {
    class: 'card', id: 'alert-filter',
    onsubmit: (ev) => {
      ev.preventDefault();
      location.hash = `#/alerts${query({ kind: kindSel.value, from: from.value, to: to.value, province: province.value.trim(), commune: commune.value.trim() })}`;
    },
  }, h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'alert-kind' }, t('alerts.kind')), kindSel),
    h('div', {}, h('label', { for: 'alert-from' }, t('alerts.from')), from),
    h('div', {}, h('label', { for: 'alert-to' }, t('alerts.to')), to),
    h('div', {}, h('label', { for: 'alert-province' }, t('alerts.province')), province),
    h('div', {}, h('label', { for: 'alert-commune' }, t('alerts.commune')), commune),
    h('div', {}, h('button', { type: 'submit' }, t('alerts.show')))));
  show(h('h1', {}, t('alerts.title')), ...trustBanners(), form, list);
  // Dates are days in Vietnam time (UTC+7).
  const day = (d, plus) => (d ? new Date(Date.parse(`${d}T00:00:00+07:00`) + (plus ? 86400e3 : 0)).toISOString() : '');
  const shown = [];
  let next = '';
  const load = async () => {
    const page = await api(`/v1/alerts${query({ kind: f.kind, from: day(f.from), to: day(f.to, true), province: f.province, commune: f.commune, limit: 100, after: next })}`);
    shown.push(...page.items);
    next = page.next || '';
    const byKind = new Map();
    for (const a of shown) byKind.set(a.kind, (byKind.get(a.kind) || 0) + 1);
    list.replaceChildren(
      h('div', { class: 'card' },
        h('p', { class: 'small muted' }, t('alerts.count', { n: fmtInt(shown.length) })),
        h('div', { class: 'tabs' }, [...byKind].map(([k, n]) => link(`#/alerts${query({ ...f, kind: k })}`, `${t(`alert.${k}`)}: ${fmtInt(n)}`))),
        alertList(shown),
        next ? h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: load }, t('p.more'))) : null));
  };
  await load();
}

// The fields people look for first; the rest follow in the record's order.
const FIRST_FIELDS = ['type', 'at', 'actor', 'substance', 'quantity', 'concentration', 'counterparty', 'transfer_id', 'party',
  'participant', 'legal_name', 'business', 'venue', 'kind', 'purpose', 'product', 'lot', 'packaging', 'transport', 'documents'];
function renderPayload(p) {
  const keys = [...FIRST_FIELDS.filter((k) => k in p), ...Object.keys(p).filter((k) => !FIRST_FIELDS.includes(k))];
  return h('dl', { class: 'facts' }, keys.filter((k) => !(k === 'unit' && 'quantity' in p)).map((k) => [
    h('dt', {}, fieldName(k)),
    h('dd', {}, k === 'quantity' && p.unit ? `${fmtDecimal(p.quantity)} ${p.unit}` : renderValue(k, p[k]))]));
}

// A payload value as readable elements.
function renderValue(key, v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) {
      return v.map((x) => (key === 'substances' ? substanceName(x) : String(x))).join(', ');
    }
    return v.map((x) => h('div', { class: 'item' }, renderValue(key, x)));
  }
  if (typeof v === 'object') {
    return h('dl', { class: 'facts' }, Object.entries(v).map(([k, x]) => [h('dt', {}, fieldName(k)), h('dd', {}, renderValue(k, x))]));
  }
  if (key === 'substance') return [substanceName(v), ' ', h('span', { class: 'mono muted' }, `(${v})`)];
  if (key === 'quantity') return fmtDecimal(v);
  if (key === 'type') return `${typeName(v)} (${v})`;
  if (key === 'kind' && LICENCES[v]) return licenceName(v);
  if (key === 'role') return roleName(v);
  if (['at', 'started_at', 'ended_at', 'discovered_at'].includes(key)) return fmtTime(v);
  if (['issued', 'expires'].includes(key)) return fmtDate(v);
  if (['actor', 'participant', 'counterparty', 'business', 'witness'].includes(key) && typeof v === 'string') return partyLink(v);
  if (['target_seq', 'inspection_seq'].includes(key)) return entryLink(v);
  if (key === 'sha256' || key === 'personal_commitment') return h('span', { class: 'mono' }, v);
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  return typeof v === 'number' ? fmtInt(v) : String(v);
}

async function viewEntry(seq) {
  const drawing = currentRoute();
  show(h('p', { class: 'spinner' }, t('loading')));
  await catalog();
  const r = await api(`/v1/entries/${seq}`);
  const e = JSON.parse(r.entry);
  let payload = null;
  try { payload = JSON.parse(e.payload); } catch { payload = null; }
  const pin = pinned();
  const steps = ['v.fetch', 'v.leaf', 'v.cp', 'v.sig', 'v.wit', 'v.proof', 'v.root', 'v.cons'];
  const verifyBox = h('div', { id: 'verify-result' });
  const button = h('button', {
    type: 'button', id: 'verify-button',
    onclick: async () => {
      button.disabled = true;
      const items = steps.map((k) => h('li', { class: 'todo' }, h('span', { class: 'mark' }, '·'), h('span', {}, t(k, { seq, size: '…' })), h('span', { class: 'detail' })));
      const verdict = h('div', { id: 'verdict' });
      verifyBox.replaceChildren(h('ol', { class: 'steps', id: 'verify-steps' }, items), verdict);
      const out = await verifyEntry(Number(seq), (i, status, detail, label) => {
        const li = items[i];
        li.className = status;
        li.dataset.status = status;
        li.querySelector('.mark').textContent = status === 'ok' ? '✔' : status === 'bad' ? '✘' : '…';
        li.querySelector('.detail').textContent = detail;
        li.children[1].textContent = t(steps[i], { seq, size: '…', ...label });
      });
      verdict.className = `verdict ${out.ok ? 'ok' : 'bad'}`;
      verdict.dataset.verdict = out.ok ? 'ok' : 'bad';
      verdict.setAttribute('role', 'status');
      verdict.textContent = out.ok ? t('v.ok', { seq, size: fmtInt(out.size) }) + out.cosigned
        : t('v.bad', { why: out.step > 0 ? `${t('v.step', { n: out.step })}: ${out.why}` : out.why });
      button.disabled = false;
    },
  }, t('e.verify'));
  const n = Number(seq);
  if (!isCurrent(drawing)) return;
  show(
    h('h1', {}, t('e.title', { seq }), payload ? [' ', badge(typeName(payload.type))] : null),
    ...trustBanners(),
    h('p', { class: 'small' }, n > 0 ? link(`#/entry/${n - 1}`, `← ${t('e.prev')}`) : null, n > 0 ? ' · ' : null, link(`#/entry/${n + 1}`, `${t('e.next')} →`)),
    h('section', { class: 'card', id: 'verify' }, h('h2', {}, t('e.verify')),
      h('p', { class: 'small muted' }, t('e.verifyintro', { source: pin ? t(`trust.src.${pin.source}`) : t('v.err.nokey') })),
      button, verifyBox),
    h('section', { class: 'card', id: 'entry-facts' },
      h('dl', { class: 'facts' },
        h('dt', {}, t('e.type')), h('dd', {}, payload ? typeName(payload.type) : ''),
        h('dt', {}, t('e.at')), h('dd', {}, payload ? fmtTime(payload.at) : ''),
        h('dt', {}, t('e.ts')), h('dd', {}, fmtTime(e.ts)),
        h('dt', {}, t('e.actor')), h('dd', {}, payload ? partyLink(payload.actor) : ''),
        h('dt', {}, t('e.signer')), h('dd', { class: 'mono' }, e.signer))),
    payload ? h('section', { class: 'card', id: 'record' }, h('h2', {}, t('e.payload')), renderPayload(payload)) : null,
    h('details', { class: 'card' }, h('summary', {}, t('e.raw')), h('pre', { class: 'raw', id: 'raw-entry' }, r.entry)),
  );
}

async function viewTrust() {
  const drawing = currentRoute();
  if (!state.log) state.log = await api('/v1/log', { signed: false });
  const pin = pinned();
  const msg = h('div', { id: 'trust-msg' });
  const input = h('input', { type: 'text', id: 'vkey', class: 'mono', value: '', placeholder: 'name+01234567+AQ…', autocomplete: 'off' });
  const save = async (key, source) => {
    try {
      await parseVerifierKey(key);
      setPin(key.trim(), source);
      await viewTrust();
      document.getElementById('trust-msg').replaceChildren(notice('info', t('trust.saved')));
    } catch (e) {
      msg.replaceChildren(notice('error', t('trust.bad', { why: e.message })));
    }
  };
  if (!isCurrent(drawing)) return;
  show(h('h1', {}, t('trust.title')), ...trustBanners(), h('p', {}, t('trust.intro')),
    h('section', { class: 'card' },
      h('dl', { class: 'facts' },
        h('dt', {}, t('trust.pinned')), h('dd', { class: 'mono', id: 'pinned-key' }, pin ? pin.key : '—'),
        h('dt', {}, t('trust.source')), h('dd', {}, pin ? badge(t(`trust.src.${pin.source}`), pin.source === 'confirmed' ? 'ok' : 'warn') : '—'),
        h('dt', {}, t('trust.server')), h('dd', { class: 'mono' }, state.log.verifier_key, ' ',
          pin ? (pin.key === state.log.verifier_key ? badge(t('trust.same'), 'ok') : badge(t('trust.differs'), 'bad')) : null)),
      pin && pin.source !== 'confirmed' ? h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'confirm-pin', onclick: () => save(pin.key, 'confirmed') }, t('trust.confirm'))) : null),
    h('form', { class: 'card', id: 'pin-form', onsubmit: (ev) => { ev.preventDefault(); save(input.value, 'confirmed'); } },
      h('label', { for: 'vkey' }, t('trust.enter')), input,
      h('p', {}, h('button', { type: 'submit', id: 'pin-button' }, t('trust.save')))),
    msg, witnessCard());
}

// The pinned witnesses, on the trust page: list, add, remove, quorum.
function witnessCard() {
  const policy = witnessPolicy();
  const msg = h('div', { id: 'witness-msg', role: 'status' });
  const redraw = (note) => {
    document.getElementById('witnesses').replaceWith(witnessCard());
    if (note) document.getElementById('witness-msg').replaceChildren(notice('info', note));
  };
  const input = h('input', { type: 'text', id: 'witness-vkey', class: 'mono', value: '', placeholder: 'witness.example/w1+01234567+BA…', autocomplete: 'off' });
  const quorum = h('input', { type: 'number', id: 'witness-quorum', min: '1', max: String(policy.keys.length), value: String(policy.quorum), disabled: !policy.keys.length });
  const add = async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    try {
      await parseVerifierKey(key, KEY_COSIGNATURE);
    } catch (e) {
      msg.replaceChildren(notice('error', t('wit.bad', { why: e.message })));
      return;
    }
    const keys = policy.keys.includes(key) ? policy.keys : [...policy.keys, key];
    setWitnessPolicy(keys, policy.keys.length ? policy.quorum : 1);
    redraw(t('wit.saved'));
  };
  const remove = (key) => {
    const keys = policy.keys.filter((k) => k !== key);
    setWitnessPolicy(keys, Math.min(policy.quorum, keys.length));
    redraw(t('wit.saved'));
  };
  return h('section', { class: 'card', id: 'witnesses' }, h('h2', {}, t('wit.title')), h('p', {}, t('wit.intro')),
    policy.keys.length
      ? h('ul', { id: 'witness-list' }, policy.keys.map((k) => h('li', {}, h('span', { class: 'mono' }, k), ' ',
        h('button', { type: 'button', class: 'secondary', onclick: () => remove(k) }, t('wit.remove')))))
      : h('p', { class: 'muted', id: 'witness-list' }, t('wit.none')),
    h('form', { id: 'witness-form', onsubmit: add },
      h('label', { for: 'witness-vkey' }, t('wit.enter')), input,
      h('p', {}, h('button', { type: 'submit', id: 'witness-add' }, t('wit.add')))),
    h('form', { id: 'quorum-form', onsubmit: (ev) => { ev.preventDefault(); setWitnessPolicy(policy.keys, Math.min(Math.max(1, Number(quorum.value) || 1), policy.keys.length)); redraw(t('wit.saved')); } },
      h('label', { for: 'witness-quorum' }, t('wit.quorum')), quorum,
      h('p', {}, h('button', { type: 'submit', id: 'quorum-save', disabled: !policy.keys.length }, t('wit.quorum.save')))),
    msg);
}

// ---------------------------------------------------------------------------------------------
// Router

async function route() {
  const seq = beginRoute();
  applyStaticTexts();
  const hash = location.hash || '#/';
  const [path, qs] = hash.slice(1).split('?');
  const params = new URLSearchParams(qs || '');
  if (!state.key || !state.me) {
    viewSignIn();
    return;
  }
  // The footer's log size, kept current without holding up the view.
  api('/v1/log', { signed: false }).then((l) => {
    state.log = l;
    document.getElementById('logline').textContent = t('log.line', { origin: l.origin, size: fmtInt(l.size), place: placeName(l.jurisdiction) });
  }).catch(() => {});
  try {
    let m;
    const added = views.find((v) => v.pattern.test(path));
    if (added) await added.render(added.pattern.exec(path), params);
    else if ((m = /^\/p\/(.+)$/.exec(path))) await viewParticipant(decodeURIComponent(m[1]));
    else if ((m = /^\/entry\/(\d{1,19})$/.exec(path))) await viewEntry(m[1]);
    else if (path === '/alerts') await viewAlerts(params);
    else if (path === '/trust') await viewTrust();
    else await viewSearch(params);
  } catch (e) {
    if (!isCurrent(seq)) return;
    show(notice('error', e.message));
    if (e instanceof ApiError && e.status === 401) {
      append(main(), [h('p', {}, h('button', { type: 'button', onclick: signOut }, t('signin.button')))]);
    }
  }
  if (isCurrent(seq)) main().focus({ preventScroll: true });
}

document.getElementById('lang').addEventListener('click', () => {
  state.lang = state.lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem('vigil.lang', state.lang);
  route();
});
window.addEventListener('hashchange', route);
route();
