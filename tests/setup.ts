/**
 * Preloaded by `bun test` (bunfig.toml): every temp file of the run — the tests' own temp dirs,
 * default log dirs of managers, and those of the scripts and CLIs the tests spawn (they inherit
 * TMPDIR) — goes under one directory that is removed when the run ends.
 */
import { afterAll } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'parproc-tests-'));
process.env.TMPDIR = root;
// Once, after the last test file (a preload's afterAll is global).
afterAll(() => rmSync(root, { recursive: true, force: true }));
