/** Runs a library script as a user does (`bun script.ts`), in a temp dir removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScriptResult {
  stdout: string;
  stderr: string;
  code: number;
  /** `report.txt` in the script's directory, as the script left it ('' when none). */
  report: string;
}

const lib = JSON.stringify(join(import.meta.dir, '..', '..', 'src', 'index.ts'));

/**
 * Writes `script.ts` (and `more` files) with `LIB` standing for the library's path and `DIR` for
 * the directory (both as string literals), runs it with `bun` in that directory (`CI=1`).
 */
export async function runScript(text: string, more: Record<string, string> = {}): Promise<ScriptResult> {
  const dir = mkdtempSync(join(tmpdir(), 'parproc-script-'));
  try {
    for (const [file, t] of Object.entries({ 'script.ts': text, ...more })) await Bun.write(join(dir, file), t.replaceAll('LIB', lib).replaceAll('DIR', JSON.stringify(dir)));
    const p = Bun.spawn([process.execPath, join(dir, 'script.ts')], { cwd: dir, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, CI: '1' } });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    const report = await Bun.file(join(dir, 'report.txt')).text().catch(() => '');
    return { stdout, stderr, code, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
