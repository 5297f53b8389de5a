/**
 * The history journal (src/cache/history-journal.ts): runs that never need the task DB append
 * their history beside it, and the next open folds it in — once, whole lines only, without
 * losing appends made by other processes while it folds.
 */
import { Database } from 'bun:sqlite';
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { appendRuns, foldJournal, journalPath, parseLine } from '../../src/cache/history-journal.ts';
import { openStore } from '../../src/cache/sqlite-store.ts';
import type { RunEvent } from '../../src/index.ts';
import { projectPerTest } from '../helpers/project.ts';

setDefaultTimeout(30_000);

const p = projectPerTest();

const count = (db: string, where = '1'): number => {
  const d = new Database(db, { readonly: true });
  try {
    return (d.query(`SELECT count(*) AS n FROM runs WHERE ${where}`).get() as { n: number }).n;
  } finally {
    d.close();
  }
};

const warnings = (events: RunEvent[]): string[] => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));

/** A run of procs that always run (no deps, no inputs), through a fresh manager. */
async function quickRun(names: string[]): Promise<RunEvent[]> {
  const { pm, events } = p.manager();
  for (const n of names) pm.proc(n, () => 1);
  pm.start(names);
  expect(await pm.waitForAll()).toBe(true);
  pm.close();
  return events;
}

const record = (i: number, runId = 'r') => ({ runId, name: `p${i}`, startedAt: 1000 + i, endedAt: 1010 + i, status: 'success' as const });

describe('the history journal', () => {
  test('a run that needs nothing of the DB appends its history to the journal; the next open folds it in once', async () => {
    await quickRun(['first']); // no DB yet: the first run makes it and writes to it
    expect(count(p.db)).toBe(1);
    expect(existsSync(journalPath(p.db))).toBe(false);
    const dbStat = statSync(p.db);
    const walStat = statSync(`${p.db}-wal`);
    expect(warnings(await quickRun(['a', 'b']))).toEqual([]);
    expect(warnings(await quickRun(['a']))).toEqual([]);
    // The DB was not written (not even opened: the WAL is as it was).
    expect(count(p.db)).toBe(1);
    expect([statSync(p.db).mtimeMs, statSync(`${p.db}-wal`).size]).toEqual([dbStat.mtimeMs, walStat.size]);
    const lines = readFileSync(journalPath(p.db), 'utf8').trim().split('\n');
    expect(lines.map((l) => parseLine(l)?.name)).toEqual(['a', 'b', 'a']);
    // Reading the history folds the journal: every run, newest first, each once.
    const { pm } = p.manager();
    expect(pm.taskStore()?.history(null, 10).map((r) => r.name)).toEqual(['a', 'b', 'a', 'first']);
    expect(pm.taskStore()?.expectedDuration('a')).not.toBeNull();
    pm.close();
    const again = openStore(p.db);
    expect(again.warning).toBeNull();
    expect(again.store?.history(null, 10)).toHaveLength(4);
    again.store?.close();
    expect(count(p.db)).toBe(4);
  });

  test('rows kept for the journal go into the DB when a later proc of the run opens it', async () => {
    await quickRun(['first']);
    p.write('in.txt', 'x');
    const { pm } = p.manager({ parallel: 1 });
    pm.proc('always', () => 1);
    pm.proc('cached', { deps: ['always'], inputs: ['in.txt'] }, () => 2);
    pm.start('cached');
    expect(await pm.waitForAll()).toBe(true);
    pm.close();
    expect(existsSync(journalPath(p.db))).toBe(false);
    expect(count(p.db, "proc IN ('always', 'cached')")).toBe(2);
  });

  test('only whole lines are folded; a line being written waits, a damaged one is skipped with one warning', () => {
    openStore(p.db).store?.close();
    const j = journalPath(p.db);
    appendRuns(p.db, [record(1)]);
    appendFileSync(j, 'not json\n');
    appendFileSync(j, '["r","half",1,2,"succ'); // a write under way
    const first = openStore(p.db);
    expect(first.warning).toContain('1 damaged line of its history journal skipped');
    first.store?.close();
    expect(count(p.db)).toBe(1);
    appendFileSync(j, 'ess"]\n');
    const second = openStore(p.db);
    expect(second.warning).toBeNull();
    second.store?.close();
    expect(count(p.db, "proc = 'half'")).toBe(1);
    expect(count(p.db)).toBe(2);
  });

  test('a journal is read a chunk at a time; a line longer than a chunk is damaged, the lines around it are folded', () => {
    openStore(p.db).store?.close();
    appendRuns(p.db, Array.from({ length: 50 }, (_, i) => record(i)));
    appendFileSync(journalPath(p.db), `${'x'.repeat(500)}\n`);
    appendRuns(p.db, [record(50)]);
    const db = new Database(p.db);
    try {
      const folded = foldJournal(db, p.db, { chunkBytes: 200 });
      expect(folded.rows).toBe(51);
      expect(folded.damaged).toBeGreaterThan(0);
      expect(db.query('SELECT count(DISTINCT proc) FROM runs').values()[0]).toEqual([51]);
    } finally {
      db.close();
    }
  });

  test('a locked DB leaves the journal for a later open, which folds it', () => {
    openStore(p.db).store?.close();
    appendRuns(p.db, [record(1), record(2)]);
    const locker = new Database(p.db);
    locker.exec('BEGIN IMMEDIATE');
    const opened = openStore(p.db);
    expect(opened.warning).toBeNull();
    opened.store?.close();
    locker.exec('COMMIT');
    locker.close();
    expect(count(p.db)).toBe(0);
    openStore(p.db).store?.close();
    expect(count(p.db)).toBe(2);
  });

  test('a folded journal is rotated; late writes to the old one are folded, and it goes once still', () => {
    openStore(p.db).store?.close();
    const j = journalPath(p.db);
    const db = new Database(p.db);
    try {
      appendRuns(p.db, [record(1), record(2)]);
      expect(foldJournal(db, p.db, { rotateBytes: 10 })).toEqual({ rows: 2, damaged: 0 });
      // Folded and over the size: renamed; a new journal begins.
      expect(foldJournal(db, p.db, { rotateBytes: 10 })).toEqual({ rows: 0, damaged: 0 });
      expect([existsSync(j), existsSync(`${j}.old`)]).toEqual([false, true]);
      // An appender that opened the journal before the rename writes into the old file.
      appendFileSync(`${j}.old`, `${JSON.stringify(['r', 'late', 1, 2, 'success'])}\n`);
      appendRuns(p.db, [record(3)]);
      expect(foldJournal(db, p.db, { rotateBytes: 1e9 })).toEqual({ rows: 2, damaged: 0 });
      expect(existsSync(`${j}.old`)).toBe(true); // not still for long enough yet
      expect(foldJournal(db, p.db, { rotateBytes: 1e9, now: Date.now() + 120_000 })).toEqual({ rows: 0, damaged: 0 });
      expect(existsSync(`${j}.old`)).toBe(false);
      expect(db.query('SELECT proc FROM runs ORDER BY id').values().flat()).toEqual(['p1', 'p2', 'late', 'p3']);
    } finally {
      db.close();
    }
  });

  test('processes appending while another folds and rotates: every row folded exactly once', async () => {
    openStore(p.db).store?.close();
    const writers = 4;
    const each = 500;
    const module = join(import.meta.dir, '../../src/cache/history-journal.ts');
    const children = Array.from({ length: writers }, (_, w) =>
      Bun.spawn(
        [
          process.execPath,
          '-e',
          `const { appendRuns } = await import(${JSON.stringify(module)});
           for (let i = 0; i < ${each}; i++) appendRuns(${JSON.stringify(p.db)}, [{ runId: 'w${w}-' + i, name: 'n', startedAt: i, endedAt: i + 1, status: 'success' }]), Bun.sleepSync(1);`,
        ],
        { stdout: 'ignore', stderr: 'pipe' },
      ),
    );
    const db = new Database(p.db);
    let running = writers;
    for (const c of children) void c.exited.then(() => running--);
    // Rotated at a few KB; an old journal goes once still for 100 ms (an appender writes within
    // microseconds of opening the file it writes to).
    const tuning = { rotateBytes: 4000, quietMs: 100 };
    const olds = new Set<number>();
    let folds = 0;
    try {
      // Fold for as long as the writers write, then until nothing is left.
      while (running > 0) {
        if (foldJournal(db, p.db, tuning).rows > 0) folds++;
        const old = statSync(`${journalPath(p.db)}.old`, { throwIfNoEntry: false });
        if (old) olds.add(old.ino);
        await Bun.sleep(1);
      }
      for (const c of children) expect(await new Response(c.stderr).text()).toBe('');
      foldJournal(db, p.db, tuning);
      foldJournal(db, p.db, { ...tuning, now: Date.now() + 1000 });
      // The folds ran between the appends, and journals were rotated and deleted meanwhile.
      expect(folds).toBeGreaterThan(3);
      expect(olds.size).toBeGreaterThan(1);
      expect(existsSync(`${journalPath(p.db)}.old`)).toBe(false);
      const [total, distinct] = db.query('SELECT count(*), count(DISTINCT run_id) FROM runs').values()[0] as [number, number];
      expect([total, distinct]).toEqual([writers * each, writers * each]);
    } finally {
      db.close();
    }
  });

  test('lines that are not history rows are refused', () => {
    expect(parseLine('["r","n",1,2,"success"]')).toEqual({ runId: 'r', name: 'n', startedAt: 1, endedAt: 2, status: 'success', cache: null });
    expect(parseLine('["r","n",1,2,"success","remote"]')?.cache).toBe('remote');
    for (const bad of ['', '{}', '["r","n",1,2,"done"]', '["r",1,1,2,"success"]', '["r","n","1",2,"success"]', '["r","n",1,2,"success","x"]']) {
      expect(parseLine(bad)).toBeNull();
    }
  });
});
