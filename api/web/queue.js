// Vigil web pages: the offline queue and the field pack (docs/explorer.md "Offline queue").
// IndexedDB database "vigil-field" (this origin, this browser profile) with two stores:
// - "queue": records already SIGNED in this browser, waiting to be sent. Each item is the exact
//   append body {signer, payload, sig}; sending needs no key, so a queued record is sent after
//   a reload or a sign-out too. An item is keyed by actor + record id: the server answers a
//   resend of the same body with the original receipt (200), never a second entry, so a send
//   whose answer was lost is simply sent again. States: "waiting" (chờ gửi), "sent" (with the
//   entry's seq), "refused" (the server's problem kept: the record will never be accepted as it
//   is, and is not retried).
// - "pack": what an inspection form needs from SIGNED answers, kept for use without a network
//   (the signed-in identity, the businesses and venues the inspector may inspect, stocks read
//   while online). Signing out deletes it (clearPack); the queue is kept until sent.
// No key material is ever stored here. All functions are async; one flush runs at a time.
import { postJson, ApiError } from './core.js';

const DB_NAME = 'vigil-field';
let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains('queue')) d.createObjectStore('queue', { keyPath: 'key' });
        if (!d.objectStoreNames.contains('pack')) d.createObjectStore('pack', { keyPath: 'name' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => { dbPromise = null; reject(req.error); };
    });
  }
  return dbPromise;
}

// Runs fn(store) in one transaction of `store`; resolves with fn's request result (if any)
// once the transaction has committed.
async function run(store, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(store, mode);
    let result;
    const req = fn(tx.objectStore(store));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

const listeners = new Set();
function onChange(cb) {
  listeners.add(cb);
  return () => listeners.delete(cb);
}
function changed() {
  for (const cb of listeners) {
    try { cb(); } catch { /* a view that is gone */ }
  }
}

// Every item, oldest first.
async function items() {
  const all = (await run('queue', 'readonly', (s) => s.getAll())) || [];
  return all.sort((a, b) => a.made.localeCompare(b.made));
}
const get = (key) => run('queue', 'readonly', (s) => s.get(key));
const put = (item) => run('queue', 'readwrite', (s) => s.put(item));

// Queues a signed append body. The same actor and id already queued with the same bytes is
// the same record (kept as it is); with other bytes it is refused here, as the server would
// (409): the id names one record only.
async function enqueue(body) {
  const p = JSON.parse(body.payload);
  const key = `${p.actor}\n${p.id}`;
  const old = await get(key);
  if (old) {
    if (old.body.payload === body.payload) return old;
    throw new Error(`id ${p.id}`);
  }
  const item = { key, body, type: p.type, id: p.id, actor: p.actor, made: new Date().toISOString(), state: 'waiting', tries: 0 };
  await put(item);
  changed();
  return item;
}

async function remove(key) {
  await run('queue', 'readwrite', (s) => s.delete(key));
  changed();
}

// Sends one item's body once; updates and returns the item. A network failure, 429 or 5xx
// leaves it waiting (tried again later); 200/201 makes it sent; any other answer refused.
async function sendItem(item) {
  let res;
  try {
    res = await postJson('/v1/entries', item.body);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    item.tries += 1;
    item.last = { status: 0, detail: e.detail };
    await put(item);
    return item;
  }
  item.tries += 1;
  item.last = { status: res.status, detail: res.body?.detail || '', violations: res.body?.violations || [] };
  if (res.status === 200 || res.status === 201) {
    item.state = 'sent';
    item.seq = res.body.seq;
    item.sentAt = new Date().toISOString();
  } else if (res.status !== 429 && res.status < 500) {
    item.state = 'refused';
  }
  await put(item);
  return item;
}

// Sends every waiting item, oldest first; one flush at a time (a second call joins the first).
let flushing = null;
function flush() {
  if (!flushing) {
    flushing = (async () => {
      try {
        for (const item of await items()) {
          if (item.state !== 'waiting') continue;
          const done = await sendItem(item);
          changed();
          if (done.state === 'waiting') break;  // no network: the rest waits too
        }
      } finally {
        flushing = null;
      }
    })();
  }
  return flushing;
}

// Sends an item's body again whatever its state (a sent record: the server answers 200 with
// the original entry). Returns the server's answer {status, body} without changing the item's
// state, except that a waiting item that lands becomes sent.
async function resend(key) {
  const item = await get(key);
  if (!item) throw new Error(key);
  const res = await postJson('/v1/entries', item.body);
  const b = res.body || {};
  item.lastResend = { status: res.status, body: { seq: b.seq, detail: b.detail, violations: b.violations }, at: new Date().toISOString() };
  if (item.state === 'waiting' && (res.status === 200 || res.status === 201)) {
    item.state = 'sent';
    item.seq = b.seq;
    item.sentAt = item.lastResend.at;
  }
  await put(item);
  changed();
  return res;
}

// The field pack.
async function packGet(name) {
  const row = await run('pack', 'readonly', (s) => s.get(name));
  return row ? row.value : null;
}
async function packPut(name, value) {
  await run('pack', 'readwrite', (s) => s.put({ name, value, saved: new Date().toISOString() }));
}
async function clearPack() {
  await run('pack', 'readwrite', (s) => s.clear());
}

// Sends when the connection returns, and every 30 s while something waits.
window.addEventListener('online', () => { flush().catch(() => {}); });
setInterval(async () => {
  if (!navigator.onLine) return;
  try {
    if ((await items()).some((i) => i.state === 'waiting')) await flush();
  } catch { /* tried again next time */ }
}, 30000);

export { items, enqueue, remove, flush, resend, onChange, packGet, packPut, clearPack };
