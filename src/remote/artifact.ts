/**
 * A remote-cache artifact: a compressed tar (zstd, or gzip where Bun lacks zstd) holding
 * `meta.json` (the proc's name, key and return value), `log` (its log) and `out/<path>` for each
 * declared output, paths relative to the project root. Restoring validates every entry before it
 * writes anything, stages files under `.parproc/` (written off the main thread), then moves them into place; on any failure
 * what was moved is taken back, so nothing half-restored stays on disk.
 */
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { fs } from '../util/fs.ts';
import { formatBytes } from '../util/format-bytes.ts';
import { readTar, writeTar, type TarEntry } from './tar.ts';

export const ARTIFACT_FORMAT = 1;

export interface ArtifactMeta {
  format: number;
  name: string;
  key: string;
  output: unknown;
}

/** An artifact that must not be used: the message says why (for a one-line warning). */
export class ArtifactError extends Error {}

const inside = (root: string, abs: string): boolean => {
  const rel = relative(root, abs);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * Tar entries for the outputs at `paths` (absolute, under `root`), recursing into directories.
 * File contents are read off the main thread.
 */
async function outputEntries(root: string, paths: readonly string[], maxBytes: number): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const reads: Promise<void>[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  const visit = (abs: string): void => {
    const rel = relative(root, abs).split(sep).join('/');
    if (seen.has(rel)) return;
    seen.add(rel);
    const st = fs().lstatSync(abs);
    if (st.isSymbolicLink()) out.push({ type: 'symlink', path: `out/${rel}`, target: fs().readlinkSync(abs) });
    else if (st.isDirectory()) {
      out.push({ type: 'dir', path: `out/${rel}/`, mode: st.mode });
      for (const name of fs().readdirSync(abs).sort()) visit(join(abs, name));
    } else if (st.isFile()) {
      // Sizes are added up before anything is read: an artifact is held in memory.
      bytes += st.size;
      if (bytes > maxBytes) throw new ArtifactError(`its outputs are over the ${formatBytes(maxBytes)} an artifact may hold (maxArtifactBytes)`);
      const entry: TarEntry = { type: 'file', path: `out/${rel}`, mode: st.mode, data: new Uint8Array(0) };
      out.push(entry);
      reads.push(Bun.file(abs).bytes().then((data) => void (entry.data = data)));
    }
  };
  for (const abs of paths) {
    if (!inside(root, abs) || abs === root) throw new ArtifactError(`output ${abs} is outside the project (${root})`);
    visit(abs);
  }
  await Promise.all(reads);
  return out;
}

/** Packs an artifact; throws `ArtifactError` for outputs outside the project, or over `maxBytes` in all. */
export async function packArtifact(root: string, outputs: readonly string[], meta: ArtifactMeta, log: Uint8Array | null, maxBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  const entries: TarEntry[] = [{ type: 'file', path: 'meta.json', mode: 0o644, data: new TextEncoder().encode(JSON.stringify(meta)) }];
  if (log !== null) entries.push({ type: 'file', path: 'log', mode: 0o644, data: log });
  entries.push(...(await outputEntries(root, outputs, maxBytes - (log?.length ?? 0))));
  return compress(writeTar(entries));
}

async function compress(tar: Uint8Array): Promise<Uint8Array> {
  if (typeof Bun.zstdCompress === 'function') return await Bun.zstdCompress(tar as Uint8Array<ArrayBuffer>);
  return Bun.gzipSync(tar as Uint8Array<ArrayBuffer>);
}

async function decompress(bytes: Uint8Array): Promise<Uint8Array> {
  try {
    if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
      return await Bun.zstdDecompress(bytes as Uint8Array<ArrayBuffer>);
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return Bun.gunzipSync(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new ArtifactError(`it does not unpack (${(err as Error).message})`);
  }
  throw new ArtifactError('it is neither zstd nor gzip');
}

/** Checks an artifact path: relative, no `..`, no empty or odd segments; returns it without `out/`. */
function safePath(p: string): string {
  const rel = p.slice('out/'.length).replace(/\/+$/, '');
  if (rel === '' || rel.includes('\0') || rel.startsWith('/') || /^[a-zA-Z]:/.test(rel)) throw new ArtifactError(`entry "${p}" has an absolute path`);
  if (rel.split('/').some((s) => s === '..')) throw new ArtifactError(`entry "${p}" leaves the project ("..")`);
  if (posix.normalize(rel) !== rel) throw new ArtifactError(`entry "${p}" has an unusual path`);
  return rel;
}

/** The nearest existing ancestor of `abs`, resolved through symlinks. */
function realAncestor(abs: string): string {
  for (let cur = abs; ; cur = dirname(cur)) {
    try {
      return fs().realpathSync(cur);
    } catch {
      if (dirname(cur) === cur) return cur;
    }
  }
}

type Planned = { entry: TarEntry; dest: string };

/** Validates every entry (nothing is written): paths stay inside `root`, symlinks too. */
function plan(entries: TarEntry[], root: string, expect: { name: string; key: string }): { meta: ArtifactMeta; log: Uint8Array | null; files: Planned[] } {
  let meta: ArtifactMeta | null = null;
  let log: Uint8Array | null = null;
  const files: Planned[] = [];
  const realRoot = fs().realpathSync(root);
  for (const e of entries) {
    if (e.path === 'meta.json' && e.type === 'file') {
      try {
        meta = JSON.parse(new TextDecoder().decode(e.data)) as ArtifactMeta;
      } catch {
        throw new ArtifactError('its meta.json is not JSON');
      }
      continue;
    }
    if (e.path === 'log' && e.type === 'file') {
      log = e.data;
      continue;
    }
    if (!e.path.startsWith('out/')) throw new ArtifactError(`unexpected entry "${e.path}"`);
    const dest = resolve(root, safePath(e.path));
    if (!inside(root, dest) || !inside(realRoot, realAncestor(dirname(dest)))) throw new ArtifactError(`entry "${e.path}" leads outside the project`);
    if (e.type === 'symlink') {
      if (isAbsolute(e.target)) throw new ArtifactError(`symlink "${e.path}" points to an absolute path (${e.target})`);
      if (!inside(root, resolve(dirname(dest), e.target))) throw new ArtifactError(`symlink "${e.path}" points outside the project (${e.target})`);
    }
    files.push({ entry: e, dest });
  }
  if (meta === null || meta.format !== ARTIFACT_FORMAT || typeof meta.name !== 'string') throw new ArtifactError('it has no valid meta.json');
  if (meta.name !== expect.name || meta.key !== expect.key) throw new ArtifactError(`it was made for another proc or key ("${meta.name}")`);
  return { meta, log, files };
}

/**
 * Unpacks `bytes` into `root` and returns its meta and log; throws `ArtifactError` (nothing left
 * on disk) when it is damaged or unsafe.
 */
export async function restoreArtifact(bytes: Uint8Array, root: string, expect: { name: string; key: string }, maxBytes = Number.POSITIVE_INFINITY): Promise<{ meta: ArtifactMeta; log: Uint8Array | null }> {
  let entries: TarEntry[];
  try {
    const tar = await decompress(bytes);
    if (tar.length > maxBytes) throw new ArtifactError(`it unpacks to ${formatBytes(tar.length)}, over the ${formatBytes(maxBytes)} an artifact may hold (maxArtifactBytes)`);
    entries = readTar(tar);
  } catch (err) {
    throw err instanceof ArtifactError ? err : new ArtifactError(`it does not unpack (${(err as Error).message})`);
  }
  const { meta, log, files } = plan(entries, root, expect);
  const f = fs();
  const stage = stagingDir(root);
  const moved: string[] = [];
  const staged: [string, string][] = [];
  const madeDirs: string[] = [];
  const mkdirs = (dir: string): void => {
    const first = f.mkdirSync(dir, { recursive: true });
    if (first !== undefined) madeDirs.push(first);
  };
  try {
    // Written off the main thread (Bun.write), so a restore never stalls the scheduler.
    await Promise.all(
      files.map(async ({ entry, dest }) => {
        if (entry.type === 'dir') return;
        const tmp = join(stage, String(++staging));
        staged.push([tmp, dest]);
        if (entry.type === 'file') {
          await Bun.write(tmp, entry.data);
          f.chmodSync(tmp, entry.mode & 0o777);
        } else f.symlinkSync(entry.target, tmp);
      }),
    );
    for (const { entry, dest } of files) if (entry.type === 'dir') mkdirs(dest);
    for (const [tmp, dest] of staged) {
      mkdirs(dirname(dest));
      // Renaming over an existing file makes ext4 write the new one out at once (auto_da_alloc),
      // several ms per MB: the old output is removed first (it is replaced either way).
      if (f.lstatSync(dest, { throwIfNoEntry: false })?.isFile()) f.unlinkSync(dest);
      f.renameSync(tmp, dest);
      moved.push(dest);
    }
  } catch (err) {
    for (const p of moved) f.rmSync(p, { force: true });
    for (const d of madeDirs.reverse()) f.rmSync(d, { recursive: true, force: true });
    for (const [tmp] of staged) f.rmSync(tmp, { force: true });
    throw new ArtifactError(`restoring it failed (${(err as Error).message})`);
  }
  return { meta, log };
}

/** Staged files are numbered: unique within the process. */
let staging = 0;
/** One staging dir per project root and process (making a dir per restore costs ms on a real disk). */
const stagingDirs = new Map<string, string>();

/** This process's staging dir under `<root>/.parproc/` (same file system: a rename moves a file), removed at exit. */
function stagingDir(root: string): string {
  let dir = stagingDirs.get(root);
  if (dir === undefined || !fs().existsSync(dir)) {
    fs().mkdirSync(join(root, '.parproc'), { recursive: true });
    dir = fs().mkdtempSync(join(root, '.parproc', `restore-${process.pid}-`));
    if (stagingDirs.size === 0) process.once('exit', removeStagingDirs);
    stagingDirs.set(root, dir);
  }
  return dir;
}

function removeStagingDirs(): void {
  for (const dir of stagingDirs.values()) {
    try {
      fs().rmSync(dir, { recursive: true, force: true });
    } catch {
      // a staging dir that cannot be removed holds nothing of value
    }
  }
  stagingDirs.clear();
}
