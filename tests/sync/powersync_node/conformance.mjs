// Conformance run of the OFFICIAL PowerSync client (@powersync/node) against a Lotline backend.
//
//   node conformance.mjs --backend http://127.0.0.1:8000 --user picker --password picker-pass-1 \
//        --db /tmp/x/client.db --receive '{"supplier":"SUP-A","item":"PCB-01","lot_no":"L1","qty":5,"location":"S1-A-01"}'
//
// Steps: log in, fetch {token, endpoint} from /api/auth/token, connect a PowerSyncDatabase (HTTP streaming),
// wait for the first complete sync, count every synced table, queue one `event_command` (a receive) locally,
// let the SDK upload it through `uploadData`, and wait until the new lot's `unit` row comes back down the stream;
// then disconnect, reconnect (resuming from the stored bucket positions) and print the final state.
// --hold S stays connected S seconds after the first sync (token renewal); --keep-db resumes from the database a
// previous run left (a handheld coming back); --timeout bounds the whole run (default 60 s).
// Every step prints one JSON line on stdout ({"step": ...}); the last line is {"step": "done", ...}. Logs go to
// stderr. Exit code 0 only if every step passed; otherwise a line {"step": "failed", "error": ...} and exit 1.
//
// Checksums: the SDK (its Rust sync core) verifies every bucket's checksum against the checkpoint before it
// applies a checkpoint. On a mismatch it logs a warning naming the failed buckets, drops those buckets' data and
// downloads them again -- it never marks the checkpoint applied, so `hasSynced` would not turn true against a
// server whose checksums are wrong (the run would hit the timeout instead). We also watch the SDK's log records
// for checksum messages and fail the run at the first one ("Could not apply checkpoint, Checksums didn't match,
// failed for: <bucket> (expected ..., got ...)" in @powersync/node 1.1.0), so a mismatch that would heal on the
// re-download is still caught.

import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

import {
  column,
  LogLevels,
  PowerSyncDatabase,
  Schema,
  SyncStreamConnectionMethod,
  Table
} from '@powersync/node';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string' },
    user: { type: 'string', default: 'picker' },
    password: { type: 'string' },
    db: { type: 'string' },
    receive: { type: 'string' },
    timeout: { type: 'string', default: '60' },
    'log-level': { type: 'string', default: 'info' },
    'keep-db': { type: 'boolean', default: false }, // resume from a database a previous run left
    hold: { type: 'string', default: '0' } // stay connected this many seconds after the first sync (token expiry)
  }
});

const SYNCED_TABLES = [
  'item', 'site', 'supplier', 'customer', 'location', 'equipment', 'unit', 'stock_on_hand', 'container_content',
  'event'
];

// The columns the handheld reads; the server sends every column as JSON, undeclared ones stay in ps_data.
const schema = new Schema({
  item: new Table({
    part_no: column.text, gtin: column.text, name: column.text, spec: column.text, uom: column.text,
    tracking: column.text, shelf_life_days: column.integer, needs_iqc: column.integer, version: column.integer,
    updated_at: column.text
  }),
  site: new Table({ code: column.text, name: column.text, gln: column.text, version: column.integer }),
  supplier: new Table({ code: column.text, name: column.text, gln: column.text, contact: column.text,
    version: column.integer }),
  customer: new Table({ code: column.text, name: column.text, kind: column.text, gln: column.text,
    regions: column.text, channels: column.text, version: column.integer }),
  location: new Table({ site_id: column.text, parent_id: column.text, code: column.text, name: column.text,
    kind: column.text, gln: column.text, version: column.integer }),
  equipment: new Table({ site_id: column.text, code: column.text, name: column.text, kind: column.text,
    version: column.integer }),
  unit: new Table({
    code: column.text, kind: column.text, item_id: column.text, lot_no: column.text, serial: column.text,
    sscc: column.text, lot_unit_id: column.text, site_id: column.text, status: column.text,
    supplier_id: column.text, supplier_lot: column.text, uom: column.text, produced_on: column.text,
    expires_on: column.text, created_at: column.text, version: column.integer
  }, { indexes: { by_lot: ['lot_no'] } }),
  stock_on_hand: new Table({ unit_id: column.text, location_id: column.text, qty: column.real }),
  container_content: new Table({ container_id: column.text, unit_id: column.text }),
  event: new Table({
    type: column.text, business_step: column.text, disposition: column.text, occurred_at: column.text,
    recorded_at: column.text, device_id: column.text, user_id: column.text, site_id: column.text,
    location_id: column.text, supplier_id: column.text, customer_id: column.text, reference: column.text,
    note: column.text
  }),
  // What the handheld records: one row per shop-floor action, uploaded and never kept locally.
  event_command: new Table({
    kind: column.text, occurred_at: column.text, device_id: column.text, supplier: column.text,
    item: column.text, lot_no: column.text, qty: column.real, location: column.text
  }, { insertOnly: true })
});

// -- output -----------------------------------------------------------------------------------------------------

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const note = (msg) => process.stderr.write(`[conformance] ${msg}\n`);

class StepError extends Error {}

const sdkLog = [];
const checksumProblems = [];
const checksumAbort = new AbortController(); // fires on the first checksum complaint: fail fast
const writeCheckpointLog = [];
const minLevel = LogLevels[args['log-level']] ?? LogLevels.info;
const logger = {
  log(record) {
    const text = `${record.message}${record.error ? ` (${record.error?.stack ?? record.error})` : ''}`;
    if (/checksum/i.test(text) && record.level >= LogLevels.info) {
      if (!checksumProblems.includes(text)) checksumProblems.push(text);
      checksumAbort.abort();
    }
    if (/write checkpoint|checkpoint request/i.test(text)) writeCheckpointLog.push(text);
    if (record.level >= LogLevels.warn) sdkLog.push({ level: record.level, message: text.slice(0, 2000) });
    if (record.level >= minLevel) process.stderr.write(`[powersync ${record.level}] ${text}\n`);
  }
};

// -- backend calls ----------------------------------------------------------------------------------------------

const backend = (args.backend ?? '').replace(/\/$/, '');
let accessToken = null;
const uploads = [];          // every batch posted, with its verdicts
const verdictsSeen = [];

async function call(method, path, { body, token } = {}) {
  const res = await fetch(`${backend}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {})
    },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* reported below */ }
  if (!res.ok) {
    const err = new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    err.status = res.status;
    throw err;
  }
  if (json === null) throw new Error(`${method} ${path} did not answer JSON: ${text.slice(0, 200)}`);
  return json;
}

async function login() {
  const body = await call('POST', '/api/auth/login', { body: { username: args.user, password: args.password } });
  if (!body.access_token) throw new StepError(`login answered no access_token: ${JSON.stringify(body)}`);
  accessToken = body.access_token;
}

// Backend calls as the app makes them: with the login token, logging in again once if it has expired.
async function authed(method, path, body) {
  try {
    return await call(method, path, { body, token: accessToken });
  } catch (e) {
    if (e.status !== 401) throw e;
    relogins += 1;
    await login();
    return call(method, path, { body, token: accessToken });
  }
}

let relogins = 0;
let credentialsFetched = 0;
const connector = {
  async fetchCredentials() {
    const body = await authed('GET', '/api/auth/token');
    if (!body.token || !body.endpoint) throw new Error(`/api/auth/token answered ${JSON.stringify(body)}`);
    credentialsFetched += 1;
    return { endpoint: body.endpoint, token: body.token };
  },

  async uploadData(database) {
    const batch = await database.getCrudBatch(100);
    if (!batch) return;
    const clientId = await database.getClientId();
    const wire = batch.crud.map((e) => ({
      op_id: e.clientId,
      op: e.op,
      type: e.table,
      id: e.id,
      tx_id: e.transactionId ?? null,
      data: e.opData ?? {}
    }));
    // A 5xx or a network error throws: the SDK keeps the batch and retries later.
    const body = await authed('POST', '/sync/upload', { client_id: clientId, batch: wire });
    const verdicts = Array.isArray(body.verdicts) ? body.verdicts : [];
    const answered = new Set(verdicts.map((v) => String(v.op_id)));
    const missing = wire.filter((e) => !answered.has(String(e.op_id)));
    uploads.push({ client_id: clientId, batch: wire, verdicts });
    if (missing.length) {
      // Not every op was answered: keep the batch queued (the server is idempotent on (client_id, op_id)).
      throw new Error(`upload answered no verdict for op_id(s) ${missing.map((e) => e.op_id).join(', ')}`);
    }
    for (const v of verdicts) {
      verdictsSeen.push(v);
      if (v.status === 'rejected') note(`upload op ${v.op_id} rejected (${v.code}): ${v.reason} -- completed anyway`);
    }
    await batch.complete();
  }
};

// -- helpers ----------------------------------------------------------------------------------------------------

async function counts(db) {
  const out = {};
  for (const t of SYNCED_TABLES) out[t] = (await db.get(`SELECT count(*) AS n FROM "${t}"`)).n;
  return out;
}

function statusJson(s) {
  return {
    connected: s.connected, hasSynced: s.hasSynced, lastSyncedAt: s.lastSyncedAt?.toISOString() ?? null,
    downloadError: s.downloadError ? String(s.downloadError) : null,
    uploadError: s.uploadError ? String(s.uploadError) : null,
    priorities: (s.priorityStatusEntries ?? []).map((p) => ({ priority: p.priority, hasSynced: p.hasSynced }))
  };
}

async function until(what, predicate, ms, db) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await predicate();
    if (got) return got;
    if (Date.now() > deadline) {
      const s = db ? ` (status: ${JSON.stringify(statusJson(db.currentStatus))})` : '';
      throw new StepError(`timed out waiting for ${what}${s}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function failIfChecksumProblems(where) {
  if (checksumProblems.length) {
    throw new StepError(`the SDK reported a checksum problem ${where}: ${checksumProblems.join(' | ')}`);
  }
}

// -- the run ----------------------------------------------------------------------------------------------------

async function run() {
  if (!backend || !args.password || !args.db) {
    throw new StepError('usage: node conformance.mjs --backend URL --user NAME --password PW --db FILE [--receive JSON] [--keep-db]');
  }
  mkdirSync(dirname(args.db), { recursive: true });
  if (!args['keep-db']) for (const suffix of ['', '-wal', '-shm']) rmSync(args.db + suffix, { force: true });

  await login();
  emit({ step: 'login', user: args.user });

  const db = new PowerSyncDatabase({ schema, database: { dbFilename: args.db }, logger });
  try {
    await db.init();
    const clientId = await db.getClientId();
    const downloadErrors = [];
    db.registerListener({
      statusChanged: (s) => {
        if (s.downloadError) downloadErrors.push(String(s.downloadError));
      }
    });

    const connectedAt = Date.now();
    await db.connect(connector, syncOptions);
    const firstSync = AbortSignal.any([AbortSignal.timeout(Math.max(5_000, timeoutMs - 15_000)),
      checksumAbort.signal]);
    try {
      await db.waitForFirstSync(firstSync);
    } catch (e) {
      failIfChecksumProblems('during the first sync');
      throw new StepError(`no first sync: ${firstSync.aborted ? 'timed out' : e}; status ${JSON.stringify(
        statusJson(db.currentStatus))}; download errors: ${JSON.stringify(downloadErrors.slice(-3))}`);
    }
    if (args['keep-db']) {
      // hasSynced was already true from the previous run: wait for a checkpoint applied by this connection.
      await until('a sync on this connection', async () =>
        (db.currentStatus.lastSyncedAt?.getTime() ?? 0) >= connectedAt, 20_000, db);
    }
    failIfChecksumProblems('during the first sync');
    const buckets = await db.getAll('SELECT name, count_at_last, count_since_last FROM ps_buckets ORDER BY name');
    const first = await counts(db);
    emit({ step: 'first_sync', client_id: clientId, status: statusJson(db.currentStatus), counts: first,
      buckets, download_errors: downloadErrors });

    if (Number(args.hold) > 0) {
      const errors = [];
      const watch = setInterval(() => {
        const e = db.currentStatus.downloadError;
        if (e && !errors.includes(String(e))) errors.push(String(e));
      }, 100);
      await new Promise((r) => setTimeout(r, Number(args.hold) * 1000));
      clearInterval(watch);
      emit({ step: 'held', seconds: Number(args.hold), credentials_fetched: credentialsFetched, relogins,
        status: statusJson(db.currentStatus), download_errors: errors });
    }

    if (args.receive) {
      const cmd = JSON.parse(args.receive);
      const id = randomUUID();
      await db.execute(
        `INSERT INTO event_command (id, kind, occurred_at, device_id, supplier, item, lot_no, qty, location)
         VALUES (?, 'receive', ?, ?, ?, ?, ?, ?, ?)`,
        [id, new Date().toISOString(), `node-${clientId.slice(0, 8)}`, cmd.supplier, cmd.item, cmd.lot_no, cmd.qty,
          cmd.location]);
      emit({ step: 'queued', event_id: id, lot_no: cmd.lot_no });

      await until('the upload queue to drain', async () => (await db.getUploadQueueStats()).count === 0,
        20_000, db);
      emit({ step: 'uploaded', uploads, queue: (await db.getUploadQueueStats()).count });
      const rejected = verdictsSeen.filter((v) => v.status === 'rejected');
      if (rejected.length) throw new StepError(`the receive was rejected: ${JSON.stringify(rejected)}`);

      // The round trip: the lot's unit (made by the server from the uploaded event) arrives through the stream,
      // and so does the event itself (user bucket).
      const unit = await until('the new lot to come back down the stream',
        async () => db.getOptional('SELECT * FROM unit WHERE lot_no = ?', [cmd.lot_no]), 20_000, db);
      const event = await until('the uploaded event to come back down the stream',
        async () => db.getOptional('SELECT * FROM event WHERE id = ?', [id]), 20_000, db);
      const stock = await db.getAll('SELECT * FROM stock_on_hand WHERE unit_id = ?', [unit.id]);
      // The unit arriving proves the write-checkpoint flow too: after an upload the SDK asks the backend for a
      // write checkpoint (GET /write-checkpoint2.json) and applies no downloaded data until a checkpoint line
      // echoes it (it logs "Could not apply checkpoint due to local data" meanwhile).
      failIfChecksumProblems('after the upload');
      emit({ step: 'round_trip', event_id: id, unit, event, stock, write_checkpoint_log: writeCheckpointLog });
    }

    // Resume: a new connection sends the stored bucket positions (`after`) and must only get a checkpoint and
    // checkpoint_complete back -- same rows, a newer lastSyncedAt, no checksum complaint.
    const beforeResume = await counts(db);
    const syncedAt = db.currentStatus.lastSyncedAt?.getTime() ?? 0;
    await db.disconnect();
    await db.connect(connector, syncOptions);
    await until('a sync after reconnecting', async () => {
      const s = db.currentStatus;
      return s.connected && (s.lastSyncedAt?.getTime() ?? 0) > syncedAt;
    }, 20_000, db);
    failIfChecksumProblems('after reconnecting');
    const afterResume = await counts(db);
    if (JSON.stringify(afterResume) !== JSON.stringify(beforeResume)) {
      throw new StepError(`rows changed on resume: ${JSON.stringify(beforeResume)} -> ${JSON.stringify(afterResume)}`);
    }
    emit({ step: 'resumed', counts: afterResume });

    const final = await counts(db);
    emit({ step: 'done', client_id: clientId, status: statusJson(db.currentStatus), counts: final,
      items: await db.getAll('SELECT id, part_no, name FROM item ORDER BY part_no'),
      credentials_fetched: credentialsFetched, relogins, checksum_problems: checksumProblems, sdk_warnings: sdkLog,
      sdk_version: db.sdkVersion });
    await db.disconnect();
  } finally {
    await db.close().catch(() => {});
  }
}

const timeoutMs = Number(args.timeout) * 1000;
// HTTP streaming (the Node SDK's default too, said explicitly: the embedded server speaks no WebSocket/RSocket).
const syncOptions = { connectionMethod: SyncStreamConnectionMethod.HTTP, crudUploadThrottleMs: 50, retryDelayMs: 500 };
const overall = setTimeout(() => {
  emit({ step: 'failed', error: `overall timeout of ${args.timeout}s`, sdk_warnings: sdkLog.slice(-20) });
  process.exit(2);
}, timeoutMs);

try {
  await run();
  clearTimeout(overall);
  process.exit(0);
} catch (e) {
  emit({ step: 'failed', error: e instanceof StepError ? e.message : String(e?.stack ?? e),
    uploads, sdk_warnings: sdkLog.slice(-20) });
  process.exit(1);
}
