/**
 * A small tar (POSIX ustar, with PAX records for long paths) writer and reader for remote-cache
 * artifacts. Only regular files, directories and symlinks exist here: reading anything else, a
 * bad checksum or a truncated archive throws, so an artifact is taken whole or not at all.
 */

export type TarEntry =
  | { type: 'file'; path: string; mode: number; data: Uint8Array }
  | { type: 'dir'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder();

function octal(buf: Uint8Array, at: number, width: number, value: number): void {
  const s = value.toString(8).padStart(width - 1, '0');
  buf.set(enc.encode(s), at);
  buf[at + width - 1] = 0;
}

function header(path: string, type: string, mode: number, size: number, link: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  h.set(enc.encode(path).subarray(0, 100), 0);
  octal(h, 100, 8, mode & 0o7777);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0); // mtime 0: the same outputs make the same bytes
  h[156] = type.charCodeAt(0);
  h.set(enc.encode(link).subarray(0, 100), 157);
  h.set(enc.encode('ustar\0'), 257);
  h.set(enc.encode('00'), 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  const s = sum.toString(8).padStart(6, '0');
  h.set(enc.encode(s), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** A PAX record "<len> <key>=<value>\n", where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length + bodyLen !== len) len = bodyLen + String(len).length;
  return `${len}${body}`;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** The archive's bytes. */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    total += b.length;
  };
  const pushData = (data: Uint8Array): void => {
    push(data);
    const rest = padded(data.length) - data.length;
    if (rest > 0) push(new Uint8Array(rest));
  };
  for (const e of entries) {
    const link = e.type === 'symlink' ? e.target : '';
    let pax = '';
    if (enc.encode(e.path).length > 100) pax += paxRecord('path', e.path);
    if (enc.encode(link).length > 100) pax += paxRecord('linkpath', link);
    if (pax) {
      const data = enc.encode(pax);
      push(header('PaxHeader', 'x', 0o644, data.length, ''));
      pushData(data);
    }
    if (e.type === 'file') {
      push(header(e.path, '0', e.mode, e.data.length, ''));
      pushData(e.data);
    } else if (e.type === 'dir') push(header(e.path, '5', e.mode, 0, ''));
    else push(header(e.path, '2', 0o777, 0, link));
  }
  push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function str(buf: Uint8Array, at: number, width: number): string {
  const field = buf.subarray(at, at + width);
  const nul = field.indexOf(0);
  return dec.decode(nul === -1 ? field : field.subarray(0, nul));
}

function num(buf: Uint8Array, at: number, width: number, what: string): number {
  const s = str(buf, at, width).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`bad ${what} field in a tar header`);
  return parseInt(s, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space === -1 ? NaN : Number(dec.decode(data.subarray(at, space)));
    if (!Number.isInteger(len) || len <= space - at || at + len > data.length) throw new Error('bad PAX record in a tar archive');
    const record = dec.decode(data.subarray(space + 1, at + len));
    const eq = record.indexOf('=');
    if (eq === -1 || !record.endsWith('\n')) throw new Error('bad PAX record in a tar archive');
    out[record.slice(0, eq)] = record.slice(eq + 1, -1);
    at += len;
  }
  return out;
}

/** The entries of an archive; throws on anything unexpected (see the module comment). */
export function readTar(buf: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let pax: Record<string, string> = {};
  let ended = false;
  while (at + BLOCK <= buf.length) {
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) {
      ended = true;
      break;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
    if (num(h, 148, 8, 'checksum') !== sum) throw new Error('bad checksum in a tar header');
    const size = num(h, 124, 12, 'size');
    const type = String.fromCharCode(h[156] as number);
    const dataAt = at + BLOCK;
    if (dataAt + size > buf.length) throw new Error('the tar archive is truncated');
    const data = buf.subarray(dataAt, dataAt + size);
    at = dataAt + padded(size);
    const prefix = str(h, 345, 155);
    const path = pax.path ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const link = pax.linkpath ?? str(h, 157, 100);
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      pax = { ...pax, path: str(data, 0, data.length) };
      continue;
    }
    pax = {};
    const mode = num(h, 100, 8, 'mode');
    if (type === '0' || type === '\0' || type === '7') entries.push({ type: 'file', path, mode, data });
    else if (type === '5') entries.push({ type: 'dir', path, mode });
    else if (type === '2') entries.push({ type: 'symlink', path, target: link });
    else throw new Error(`unsupported tar entry "${path}" (type ${JSON.stringify(type)})`);
  }
  if (!ended) throw new Error('the tar archive is truncated');
  return entries;
}
