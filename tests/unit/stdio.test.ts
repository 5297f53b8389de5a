/**
 * parproc's own writes to the real stdout (util/stdio.ts), from a child process whose stdout is a
 * pipe: whole texts in order through a full non-blocking pipe, and a reader that went away turns
 * the stream off without an error.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli-rig.ts';
import { utf8Length } from '../../src/util/utf8-length.ts';

setDefaultTimeout(20_000);

/** A script that writes `texts` through writeStdout, its stdout made non-blocking first when asked. */
function writer(dir: string, texts: string[], nonBlocking: boolean): string {
  const file = join(dir, 'writer.ts');
  writeFileSync(
    file,
    `import { dlopen, FFIType } from 'bun:ffi';
import { writeStdout } from ${JSON.stringify(join(ROOT, 'src', 'util', 'stdio.ts'))};
if (${nonBlocking}) {
  const libc = dlopen('libc.so.6', { fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
  const F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0o4000;
  libc.symbols.fcntl(1, F_SETFL, libc.symbols.fcntl(1, F_GETFL, 0) | O_NONBLOCK);
}
for (const t of ${JSON.stringify(texts)}) writeStdout(t);
process.stderr.write('done\\n');
`,
  );
  return file;
}

describe('writing to stdout', () => {
  test('utf8Length counts what Bun writes: ASCII, 2- and 3-byte characters, pairs, lone surrogates', () => {
    const fixed = ['', 'abc', 'é▶', '😀', '\ud800', '\udc00', 'x\ud800\ud800y', 'a\udc00\ud800', '\ud83d', '\ud83d\ude00\ud83d'];
    // Strings drawn from every range, surrogates alone and in pairs among them.
    const pool = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const drawn = Array.from({ length: 500 }, () => String.fromCharCode(...Array.from({ length: next() % 12 }, () => pool[next() % pool.length] as number)));
    for (const t of [...fixed, ...drawn]) {
      expect(utf8Length(t)).toBe(Buffer.byteLength(t));
      expect(utf8Length(t)).toBe(new TextEncoder().encode(t).length);
    }
  });

  test('a full non-blocking pipe is waited out: every text arrives whole and in order, multibyte characters unbroken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parproc-stdio-'));
    try {
      // Each text is far larger than a pipe holds (64 KB), so each write stops part-way, often
      // inside a three-byte character.
      const texts = [`${'▶a'.repeat(300_000)}\n`, `${'é'.repeat(200_001)}\n`, 'last line ✓\n'];
      const p = Bun.spawn([process.execPath, writer(dir, texts, true)], { stdout: 'pipe', stderr: 'pipe' });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      expect(err).toBe('done\n');
      expect(code).toBe(0);
      expect(out.length).toBe(texts.join('').length);
      expect(out === texts.join('')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a reader that went away (as with `| head`) turns the stream off: no error, the process carries on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parproc-stdio-'));
    try {
      const texts = Array.from({ length: 50 }, (_, i) => `${'x'.repeat(100_000)} ${i}\n`);
      const script = writer(dir, texts, false);
      // The reader, bun itself, takes 10 bytes and exits (as `head -c 10` would).
      const reader = 'const fs = require("fs"); const b = new Uint8Array(10); let n = 0; while (n < 10) { const k = fs.readSync(0, b, n, 10 - n, null); if (k <= 0) break; n += k; } fs.writeSync(1, b.subarray(0, n));';
      const p = Bun.spawn(['sh', '-c', `"$0" "$1" | "$0" -e "$2"`, process.execPath, script, reader], { stdout: 'pipe', stderr: 'pipe' });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      expect(out).toBe('x'.repeat(10));
      expect(err).toBe('done\n');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
