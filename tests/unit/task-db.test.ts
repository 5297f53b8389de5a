import { Database } from 'bun:sqlite';
import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, SCHEMA_VERSION, weightedMean } from '../../src/cache/sqlite-store.ts';
import { ProcFailedError, type RunEvent } from '../../src/index.ts';
import { gate, waitForEvent } from '../helpers/manager.ts';
import { projectPerTest } from '../helpers/project.ts';

// Procs spawn real processes: generous per-test limits for a loaded 2-core machine.
setDefaultTimeout(20_000);

const p = projectPerTest();
const cwd = process.cwd();

const rows = (db: string, sql: string) => {
  const d = new Database(db, { readonly: true });
  try {
    return d.query(sql).all() as Record<string, unknown>[];
  } finally {
    d.close();
  }
};

/** The statistics document as stored (`upTo: 0` before the first fold). */
const statsDoc = (db: string) =>
  JSON.parse(String(rows(db, 'SELECT data FROM stats')[0]?.data ?? '{"upTo":0,"procs":{}}')) as { upTo: number; pruned?: number; procs: Record<string, { l: string; d: number[] }> };
/** The id of the newest history row. */
const newestRow = (db: string) => rows(db, 'SELECT max(id) AS id FROM runs')[0]?.id as number;

/**
 * Another process that opens the DB at `path`, runs `take` (which takes a lock) and holds it for
 * `ms` before committing; resolves once the lock is taken.
 */
async function holdDb(path: string, take: string, ms: number): Promise<Bun.Subprocess<'ignore', 'pipe', 'inherit'>> {
  const holder = Bun.spawn(
    [process.execPath, '-e', `const { Database } = require('bun:sqlite'); const db = new Database(${JSON.stringify(path)});
      ${take} console.log('held'); await Bun.sleep(${ms}); db.exec('COMMIT'); db.close();`],
    { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' },
  );
  const reader = holder.stdout.getReader();
  let seen = '';
  while (!seen.includes('held')) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the DB holder exited before taking its lock (${seen})`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return holder;
}

describe('the task DB', () => {
  test('WAL, schema version, history rows with run id, times and status', async () => {
    const { pm } = p.manager();
    pm.proc('ok', () => 1);
    pm.proc('bad', () => {
      throw new ProcFailedError('x');
    });
    pm.proc('slow', { timeout: 0.05 }, () => Bun.sleep(5000));
    pm.proc('dep-of-bad', { deps: ['bad'] }, () => 1);
    pm.start('ok', 'dep-of-bad', 'slow');
    await pm.waitForAll({ throwOnFailure: false });
    expect(rows(p.db, 'PRAGMA journal_mode')[0]).toEqual({ journal_mode: 'wal' });
    expect(rows(p.db, 'PRAGMA user_version')[0]).toEqual({ user_version: SCHEMA_VERSION });
    const runs = rows(p.db, 'SELECT run_id, proc, started, ended, status FROM runs ORDER BY proc');
    expect(runs.map((r) => [r.proc, r.status])).toEqual([['bad', 'failed'], ['ok', 'success'], ['slow', 'timeout']]);
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(1);
    for (const r of runs) expect((r.ended as number) >= (r.started as number)).toBe(true);
    pm.close();
  });

  test('writes are batched: nothing is committed per proc, everything by the time waitForAll resolves', async () => {
    const { pm, events } = p.manager();
    const hold = gate();
    for (let i = 0; i < 20; i++) pm.proc(`quick${i}`, { inputs: [] , deps: [] }, () => i);
    pm.proc('held', () => hold.promise);
    pm.start([...Array.from({ length: 20 }, (_, i) => `quick${i}`), 'held']);
    await waitForEvent(pm, events, (e: RunEvent) => e.type === 'proc-state' && e.name === 'quick19' && e.state === 'succeeded');
    // The DB file may not even exist yet; if it does, it holds no runs.
    let mid = 0;
    try {
      mid = rows(p.db, 'SELECT count(*) AS n FROM runs')[0]?.n as number;
    } catch {
      mid = 0;
    }
    expect(mid).toBe(0);
    hold.open();
    await pm.waitForAll();
    expect(rows(p.db, 'SELECT count(*) AS n FROM runs')[0]?.n).toBe(21);
    pm.close();
  });

  test('a new DB held by another process while this one switches it to WAL: retried, not "unusable"', async () => {
    // Another process is writing (it will need this one's read lock gone to commit): SQLite
    // answers the switch to WAL with "locked" at once, without a busy wait, to avoid a deadlock.
    // Two runs creating one DB together met this.
    mkdirSync(join(p.dir, '.parproc'), { recursive: true });
    const fresh = new Database(p.db, { create: true });
    fresh.exec('CREATE TABLE held (x)');
    fresh.close();
    const holder = await holdDb(p.db, `db.exec('PRAGMA busy_timeout = 5000'); db.exec('BEGIN IMMEDIATE'); db.exec('INSERT INTO held VALUES (1)');`, 300);
    const opened = openStore(p.db);
    expect(opened.warning).toBeNull();
    expect(opened.store).not.toBeNull();
    opened.store?.close();
    expect(await holder.exited).toBe(0);
    expect(rows(p.db, 'PRAGMA journal_mode')[0]).toEqual({ journal_mode: 'wal' });
    expect(rows(p.db, 'PRAGMA user_version')[0]).toEqual({ user_version: SCHEMA_VERSION });
  });

  test('closing while another process holds the write lock past the wait: a warning says what was not written', async () => {
    const first = openStore(p.db).store!;
    first.close();
    const holder = await holdDb(p.db, `db.exec('BEGIN IMMEDIATE');`, 4000);
    const warnings: string[] = [];
    const store = openStore(p.db).store!;
    store.onError((m) => warnings.push(m));
    store.recordRun({ runId: 'r', name: 'x', startedAt: 1, endedAt: 2, status: 'success' });
    store.close();
    holder.kill();
    await holder.exited;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('stayed locked by another process; 1 history row(s) and 0 cached result(s) of this run were not written');
  });

  test('expected duration: weighted mean of the last 10 successful runs, weights 0.8^i', () => {
    expect(weightedMean([])).toBeNull();
    expect(weightedMean([100])).toBe(100);
    expect(weightedMean([100, 200])).toBeCloseTo((100 + 0.8 * 200) / 1.8, 9);
    const opened = openStore(p.db);
    const store = opened.store!;
    const durations = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]; // oldest first
    durations.forEach((d, i) => store.recordRun({ runId: 'r', name: 'x', startedAt: 1000 * i, endedAt: 1000 * i + d, status: 'success' }));
    store.recordRun({ runId: 'r', name: 'x', startedAt: 50_000, endedAt: 59_999, status: 'failed' });
    store.flush();
    const newest10 = durations.slice(-10).reverse();
    expect(store.expectedDuration('x')).toBeCloseTo(weightedMean(newest10)!, 6);
    expect(store.expectedDuration('nobody')).toBeNull();
    expect(store.history('x', 3).map((r) => r.status)).toEqual(['failed', 'success', 'success']);
    store.close();
  });

  test('per-proc statistics: kept up to date across flushes, and built from the history of a schema-1 DB', async () => {
    // A DB as parproc wrote it before the stats table existed, with history in it.
    mkdirSync(join(p.dir, '.parproc'), { recursive: true });
    const old = new Database(p.db, { create: true });
    old.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, proc TEXT NOT NULL, started REAL NOT NULL, ended REAL NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'timeout')));
      CREATE INDEX runs_by_proc ON runs (proc, ended);
      CREATE TABLE results (proc TEXT PRIMARY KEY, output TEXT NOT NULL, at REAL NOT NULL, inputs TEXT NOT NULL, definition TEXT NOT NULL);
      PRAGMA user_version = 1;`);
    const ins = old.prepare('INSERT INTO runs (run_id, proc, started, ended, status) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < 12; i++) ins.run('r', 'a', 1000 * i, 1000 * i + 10 * (i + 1), 'success');
    ins.run('r', 'b', 0, 500, 'success');
    ins.run('r', 'b', 1000, 1300, 'failed');
    old.close();
    const store = openStore(p.db).store!;
    // Migrated to the current schema: no index on runs by proc (inserts at scattered places were
    // most of a big run's history write); reading one proc's history still answers, newest first.
    expect(rows(p.db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'")).toEqual([]);
    expect(store.history('a', 3).map((r) => r.endedAt - r.startedAt)).toEqual([120, 110, 100]);
    const newest10 = Array.from({ length: 10 }, (_, k) => 10 * (12 - k));
    let hints = store.scheduleHints();
    expect(hints.expected.get('a')).toBeCloseTo(weightedMean(newest10)!, 6);
    expect(hints.expected.get('b')).toBe(500);
    expect([...hints.failedLast]).toEqual(['b']);
    // New runs fold in at the next flush: b succeeds again; a restore from a remote cache is no duration.
    store.recordRun({ runId: 's', name: 'b', startedAt: 2000, endedAt: 2100, status: 'success' });
    store.recordRun({ runId: 's', name: 'a', startedAt: 20_000, endedAt: 20_001, status: 'success', cache: 'remote' });
    store.recordRun({ runId: 's', name: 'c', startedAt: 0, endedAt: 5, status: 'timeout' });
    store.flush();
    hints = store.scheduleHints();
    expect(hints.expected.get('b')).toBeCloseTo(weightedMean([100, 500])!, 6);
    expect(hints.expected.get('a')).toBeCloseTo(weightedMean(newest10)!, 6);
    expect(hints.expected.has('c')).toBe(false);
    expect([...hints.failedLast]).toEqual(['c']);
    // Folded into the stored document once per run (at its end), up to the newest history row.
    const stored = () => statsDoc(p.db).upTo;
    const newest = () => newestRow(p.db);
    expect(stored()).toBe(0);
    await store.settle();
    expect(stored()).toBe(newest());
    // A row another process wrote (not folded yet) counts at once.
    const other = new Database(p.db);
    other.run("INSERT INTO runs (run_id, proc, started, ended, status) VALUES ('o', 'b', 3000, 3200, 'failed')");
    other.close();
    expect([...store.scheduleHints().failedLast].sort()).toEqual(['b', 'c']);
    store.close();
  });

  test("the end of a run folds its statistics in the same write as its history; a fold that fails there keeps the history", async () => {
    const store = openStore(p.db).store!;
    const warnings: string[] = [];
    store.onError((m) => warnings.push(m));
    const stored = () => statsDoc(p.db);
    const newest = () => newestRow(p.db);
    store.recordRun({ runId: 'r', name: 'a', startedAt: 0, endedAt: 40, status: 'success' });
    await store.settle();
    expect(stored().upTo).toBe(newest());
    expect(stored().procs.a?.d).toEqual([40]);
    // The statistics table gone (a damaged DB): the history row is written all the same.
    const other = new Database(p.db);
    other.run('DROP TABLE stats');
    other.close();
    store.recordRun({ runId: 's', name: 'a', startedAt: 100, endedAt: 160, status: 'failed' });
    await store.settle();
    expect(rows(p.db, 'SELECT status FROM runs ORDER BY id').map((r) => r.status)).toEqual(['success', 'failed']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('updating run statistics failed');
    store.close();
  });

  test('the history keeps its newest rows: older ones go, folded in first, in one delete once enough are due', async () => {
    const limit = { history: { rows: 10, every: 5 } };
    let store = openStore(p.db, limit).store!;
    const count = () => rows(p.db, 'SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM runs')[0] as { n: number; lo: number; hi: number };
    const doc = () => statsDoc(p.db);
    let t = 0;
    const record = (n: number) => {
      for (let i = 0; i < n; i++, t += 100) store.recordRun({ runId: 'r', name: 'a', startedAt: t, endedAt: t + 1 + (t / 100), status: 'success' });
    };
    /** `n` more rows in one run (written and folded at its end); the rows then in `runs`. */
    const run = async (n: number) => {
      record(n);
      await store.settle();
      return count();
    };
    // 14 rows, 10 kept: the 4 due are fewer than `every`, so nothing is deleted yet.
    expect(await run(14)).toEqual({ n: 14, lo: 1, hi: 14 });
    expect(await run(2)).toEqual({ n: 10, lo: 7, hi: 16 });
    expect(doc()).toMatchObject({ upTo: 16, pruned: 6 });
    // The statistics were folded before the rows went: the last 10 durations, newest first.
    expect(doc().procs.a?.d).toEqual([16, 15, 14, 13, 12, 11, 10, 9, 8, 7]);
    expect(store.history('a', 100)).toHaveLength(10);
    // Rows written by a flush during a run are not folded yet: they stay until the run's end folds them.
    record(30);
    store.flush();
    expect(count().n).toBe(40);
    await store.settle();
    expect(count()).toEqual({ n: 10, lo: 37, hi: 46 });
    store.close();
    // Another process (here a new store) continues from where the document says the history was cut.
    store = openStore(p.db, limit).store!;
    expect(await run(4)).toEqual({ n: 14, lo: 37, hi: 50 });
    expect(await run(1)).toEqual({ n: 10, lo: 42, hi: 51 });
    expect(store.expectedDuration('a')).toBeCloseTo(weightedMean([51, 50, 49, 48, 47, 46, 45, 44, 43, 42])!, 6);
    store.close();
  });

  test('a big statistics document is rewritten once enough rows wait for it, not after every small run; reads count the waiting rows', async () => {
    const fold = { smallDoc: 200, perRow: 10 };
    let store = openStore(p.db, { fold }).store!;
    const doc = () => statsDoc(p.db);
    const newest = () => newestRow(p.db);
    for (let i = 0; i < 30; i++) store.recordRun({ runId: 'r', name: `p${i}`, startedAt: 0, endedAt: 10 + i, status: 'success' });
    await store.settle();
    // No document yet: the first fold writes it (about 900 characters, over `smallDoc`).
    const size = String(rows(p.db, 'SELECT data FROM stats')[0]?.data).length;
    expect(size).toBeGreaterThan(fold.smallDoc);
    expect(doc().upTo).toBe(30);
    // A run of one proc: one row waits, far from one per 10 characters; the document stays as it was.
    store.recordRun({ runId: 's', name: 'p0', startedAt: 100, endedAt: 1100, status: 'success' });
    await store.settle();
    expect(doc().upTo).toBe(30);
    expect(doc().procs.p0?.d).toEqual([10]);
    // Reads count it all the same, in this process and in another.
    expect(store.expectedDuration('p0')).toBeCloseTo(weightedMean([1000, 10])!, 6);
    store.close();
    store = openStore(p.db, { fold }).store!;
    expect(store.scheduleHints().expected.get('p0')).toBeCloseTo(weightedMean([1000, 10])!, 6);
    // Once enough rows wait (one per 10 characters of the document), the next run's end folds them all.
    const due = Math.ceil(size / fold.perRow);
    for (let i = 1; i < due; i++) store.recordRun({ runId: 't', name: 'p1', startedAt: 0, endedAt: 5, status: 'success' });
    await store.settle();
    expect(doc().upTo).toBe(newest());
    expect(doc().procs.p0?.d).toEqual([1000, 10]);
    expect(doc().procs.p1?.d).toEqual(Array(10).fill(5));
    store.close();
  });

  test('the statistics document is read again when another process rewrote it since this one read it', async () => {
    const store = openStore(p.db).store!;
    const stored = () => statsDoc(p.db);
    store.recordRun({ runId: 'r', name: 'a', startedAt: 0, endedAt: 40, status: 'success' });
    await store.settle();
    expect(store.scheduleHints().expected.get('a')).toBe(40);
    // Another process replaces the document (here by hand: a proc only it knows).
    const other = new Database(p.db);
    const doc = stored();
    doc.procs.z = { l: 'failed', d: [7] };
    other.run('UPDATE stats SET data = ? WHERE id = 1', [JSON.stringify(doc)]);
    other.close();
    // This process's next fold starts from what is stored, not from its copy.
    store.recordRun({ runId: 's', name: 'a', startedAt: 100, endedAt: 150, status: 'success' });
    await store.settle();
    expect(stored().procs.a?.d).toEqual([50, 40]);
    expect(stored().procs.z).toEqual({ l: 'failed', d: [7] });
    // And its own writes it reads back from its copy, with the same result as parsing them.
    store.recordRun({ runId: 't', name: 'b', startedAt: 0, endedAt: 5, status: 'success' });
    await store.settle();
    const hints = store.scheduleHints();
    expect(hints.expected.get('b')).toBe(5);
    expect([...hints.failedLast]).toEqual(['z']);
    expect(stored().upTo).toBe(rows(p.db, 'SELECT max(id) AS id FROM runs')[0]?.id as number);
    store.close();
  });

  test("a damaged entry of the statistics document is skipped, and replaced by the proc's next run", async () => {
    const store = openStore(p.db).store!;
    store.recordRun({ runId: 'r', name: 'a', startedAt: 0, endedAt: 40, status: 'success' });
    await store.settle();
    const other = new Database(p.db);
    const doc = statsDoc(p.db) as { upTo: number; procs: Record<string, unknown> };
    doc.procs.bad = 5;
    doc.procs.odd = { l: 'success', d: [1, 'x'] };
    doc.procs.gone = null;
    other.run('UPDATE stats SET data = ? WHERE id = 1', [JSON.stringify(doc)]);
    other.close();
    const hints = store.scheduleHints();
    expect([...hints.expected.keys()]).toEqual(['a']);
    expect([...hints.failedLast]).toEqual([]);
    expect(store.expectedDuration('odd')).toBeNull();
    store.recordRun({ runId: 's', name: 'odd', startedAt: 0, endedAt: 8, status: 'success' });
    await store.settle();
    expect(statsDoc(p.db).procs.odd).toEqual({ l: 'success', d: [8] });
    expect(store.scheduleHints().expected.get('odd')).toBe(8);
    store.close();
  });

  test('procs named like what every object has (`__proto__`, `constructor`, `toString`) have statistics of their own', async () => {
    let store = openStore(p.db).store!;
    const names = ['__proto__', 'constructor', 'toString'];
    names.forEach((name, i) => store.recordRun({ runId: 'r', name, startedAt: 0, endedAt: 10 * (i + 1), status: 'success' }));
    expect(store.expectedDuration('hasOwnProperty')).toBeNull();
    await store.settle();
    store.close();
    store = openStore(p.db).store!;
    expect(names.map((n) => store.expectedDuration(n))).toEqual([10, 20, 30]);
    expect(store.expectedDuration('valueOf')).toBeNull();
    expect([...store.scheduleHints().expected.keys()].sort()).toEqual([...names].sort());
    store.close();
  });

  test('a deleted DB means everything runs again', async () => {
    p.write('in.txt', 'x');
    const define = (pm: import('../../src/index.ts').ProcManager) => pm.proc('a', { inputs: ['in.txt'] }, () => 1);
    for (const expected of ['succeeded', 'up-to-date'] as const) {
      const { pm } = p.manager();
      define(pm);
      pm.start('a');
      await pm.waitForAll();
      expect(pm.getProcs().get('a')?.state).toBe(expected);
      pm.close();
    }
    rmSync(join(p.dir, '.parproc'), { recursive: true, force: true });
    const { pm } = p.manager();
    define(pm);
    pm.start('a');
    await pm.waitForAll();
    expect(pm.getProcs().get('a')?.state).toBe('succeeded');
    pm.close();
  });

  test('the WAL stays between runs, empty; a DB another tool took out of WAL mode still caches and records', async () => {
    p.write('in.txt', 'x');
    const runA = async () => {
      const { pm, events } = p.manager();
      pm.proc('a', { inputs: ['in.txt'] }, () => 1);
      pm.start('a');
      await pm.waitForAll();
      pm.close();
      return { state: pm.getProcs().get('a')?.state, warnings: events.filter((e) => e.type === 'warning') };
    };
    expect((await runA()).state).toBe('succeeded');
    expect(statSync(`${p.db}-wal`).size).toBe(0);
    const other = new Database(p.db);
    other.exec('PRAGMA journal_mode = DELETE');
    other.close();
    expect(rows(p.db, 'PRAGMA journal_mode')[0]).toEqual({ journal_mode: 'delete' });
    expect(await runA()).toEqual({ state: 'up-to-date', warnings: [] });
    p.write('in.txt', 'y');
    expect(await runA()).toEqual({ state: 'succeeded', warnings: [] });
    expect(rows(p.db, "SELECT count(*) AS n FROM runs WHERE proc = 'a'")[0]).toEqual({ n: 2 });
  });

  test('a damaged DB file is kept aside and made anew: one warning, then the cache works again', async () => {
    mkdirSync(join(p.dir, '.parproc'), { recursive: true });
    const garbage = 'this is not a sqlite database, just garbage bytes \u0000\u0001\u0002'.repeat(200);
    writeFileSync(p.db, garbage);
    writeFileSync(`${p.db}-wal`, 'a stale WAL');
    p.write('in.txt', 'x');
    const once = async () => {
      const { pm, events } = p.manager();
      pm.proc('a', { inputs: ['in.txt'] }, () => 1);
      pm.start('a');
      expect(await pm.waitForAll()).toBe(true);
      pm.close();
      return { state: pm.getProcs().get('a')?.state, warnings: events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message) };
    };
    const first = await once();
    expect(first.state).toBe('succeeded');
    expect(first.warnings).toHaveLength(1);
    const aside = /kept it as (\S+) and started a new one$/.exec(first.warnings[0] as string)?.[1] as string;
    expect(first.warnings[0]).toStartWith(`task DB ${p.db} was damaged (file is not a database); kept it as ${p.db}.damaged-`);
    // Kept as it was, WAL and all: nothing is lost.
    expect(readFileSync(aside, 'utf8')).toBe(garbage);
    expect(readFileSync(`${aside}-wal`, 'utf8')).toBe('a stale WAL');
    expect(await once()).toEqual({ state: 'up-to-date', warnings: [] });
  });

  test('a DB found damaged in use (its pages, not its header): one warning, the run goes on, the file is set aside at close', async () => {
    p.write('in.txt', 'x');
    const once = async () => {
      const { pm, events } = p.manager();
      for (let i = 0; i < 50; i++) pm.proc(`p${i}`, { inputs: ['in.txt'] }, () => 'x'.repeat(200));
      pm.start(Array.from({ length: 50 }, (_, i) => `p${i}`));
      expect(await pm.waitForAll()).toBe(true);
      pm.close();
      return { states: new Set([...pm.getProcs().values()].map((i) => i.state)), warnings: events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message) };
    };
    await once();
    // Every page but the first (the header, which opening reads) overwritten.
    const bytes = readFileSync(p.db);
    expect(bytes.length).toBeGreaterThan(4096);
    for (let at = 4096; at < bytes.length; at++) bytes[at] = (at * 7919) % 251;
    writeFileSync(p.db, bytes);
    const damaged = await once();
    expect(damaged.states).toEqual(new Set(['succeeded']));
    expect(damaged.warnings).toEqual([expect.stringMatching(new RegExp(`^task DB ${p.db} is damaged \\(.*\\); running without it, and the next run starts a new one`))]);
    const aside = readdirSync(join(p.dir, '.parproc')).filter((f) => /^parproc\.db\.damaged-[^.]*Z$/.test(f));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(p.dir, '.parproc', aside[0] as string)).equals(bytes)).toBe(true);
    // A new DB: everything runs once, then the cache works again.
    expect(await once()).toEqual({ states: new Set(['succeeded']), warnings: [] });
    expect(await once()).toEqual({ states: new Set(['up-to-date']), warnings: [] });
  });

  test('an unwritable DB path gives a warning and the run goes on', async () => {
    mkdirSync(p.path('ro'));
    chmodSync(p.path('ro'), 0o500);
    const asRoot = process.getuid?.() === 0;
    const path = asRoot ? '/proc/parproc-cannot-write-here/x.db' : p.path('ro/sub/x.db');
    const { pm, events } = p.manager({ taskDbPath: path });
    pm.proc('a', { deps: [] }, () => 1);
    pm.start('a');
    expect(await pm.waitForAll()).toBe(true);
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(1);
    chmodSync(p.path('ro'), 0o700);
  });

  test('a DB from a newer parproc is left alone with a warning', async () => {
    mkdirSync(join(p.dir, '.parproc'), { recursive: true });
    const d = new Database(p.db, { create: true });
    d.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    d.close();
    const opened = openStore(p.db);
    expect(opened.store).toBeNull();
    expect(opened.warning).toContain('newer parproc');
    expect(readdirSync(join(p.dir, '.parproc')).filter((f) => f.includes('damaged'))).toEqual([]);
  });

  test('several processes share one DB at once', async () => {
    const script = join(p.dir, 'writer.ts');
    writeFileSync(
      script,
      `import { ProcManager } from ${JSON.stringify(join(cwd, 'src', 'index.ts'))};
const pm = new ProcManager({ display: false, taskDbPath: ${JSON.stringify(p.db)}, logDir: ${JSON.stringify(p.path('logs'))} + process.argv[2] });
for (let i = 0; i < 200; i++) pm.proc('p' + process.argv[2] + '-' + i, { deps: [] }, () => i);
pm.start([...Array(200).keys()].map((i) => 'p' + process.argv[2] + '-' + i));
await pm.waitForAll();
pm.close();
`,
    );
    const kids = [1, 2, 3].map((n) => Bun.spawn([process.execPath, script, String(n)], { stdout: 'pipe', stderr: 'pipe', env: process.env }));
    const codes = await Promise.all(kids.map((k) => k.exited));
    const errs = await Promise.all(kids.map((k) => new Response(k.stderr).text()));
    expect(codes).toEqual([0, 0, 0]);
    expect(errs.join('')).not.toContain('warning');
    expect(rows(p.db, 'SELECT count(*) AS n FROM runs')[0]?.n).toBe(600);
  });
});
