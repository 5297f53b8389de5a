// The live display on real pseudo-terminals: `script` for the raw bytes, tmux for what a person
// sees. Assertions are on what appears (links, progress, frames, summary, cursor), never on timing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { CliRig } from '../helpers/cli-rig.ts';
import { runInPty, Tmux } from '../helpers/tty.ts';

setDefaultTimeout(30_000);

const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';

const TASKS = `
import { proc } from 'parproc';
proc('slow-a', async (ctx) => { await Bun.sleep(450); ctx.log('a done'); });
proc('slow-b', async (ctx) => { await Bun.sleep(450); ctx.log('warning: deprecated option --old'); });
proc('default', { deps: ['slow-a', 'slow-b'] }, () => 1);
proc('bad', async (ctx) => { await Bun.sleep(150); ctx.log('step 1'); ctx.log('error: something broke'); ctx.log('step 3'); throw new Error('boom'); });
`;

describe('the live display on a terminal', () => {
  test('OSC 8 links, progress from the task DB history, a yellow warning frame, the summary, the cursor restored', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS });
    const first = await runInPty([], rig.dir);
    expect(first.code).toBe(0);
    const { code, out } = await runInPty(['--full'], rig.dir);
    expect(code).toBe(0);
    expect(out).toContain(`\x1b]8;;file://${rig.dir}/.parproc/logs/slow-a.log\x1b\\slow-a\x1b]8;;\x1b\\`);
    expect(out).toMatch(/\d{1,2}%/); // a progress percentage, from the first run's durations
    expect(out).not.toMatch(/\b(100|\d{3,})%/); // capped at 99% while running
    const plain = Bun.stripANSI(out);
    expect(plain).toContain('╭─ slow-b');
    expect(plain).toContain('warning: deprecated option --old');
    expect(plain).toMatch(/Done in [\d.]+m?s: 3 succeeded/);
    expect(out.indexOf(HIDE)).toBeGreaterThanOrEqual(0);
    expect(out.lastIndexOf(SHOW)).toBeGreaterThan(out.lastIndexOf(HIDE));
  });

  test('a failure comes in a red frame with its log lines; exit 1, cursor restored', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS });
    const { code, out } = await runInPty(['bad'], rig.dir);
    expect(code).toBe(1);
    expect(out).toContain('\x1b[31m╭─ bad');
    const plain = Bun.stripANSI(out);
    expect(plain).toMatch(/│ --- lines 1-\d+ ---/);
    expect(plain).toContain('│ error: something broke');
    expect(plain).toContain('Failed in');
    expect(out.lastIndexOf(SHOW)).toBeGreaterThan(out.lastIndexOf(HIDE));
  });

  test('the final screen (tmux capture-pane): end lines and summary, no live lines left behind', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS });
    await using tmux = new Tmux();
    tmux.start([], rig.dir, 80, 20);
    const screen = await tmux.waitFor((s) => s.includes('__EXIT_'), 'the run to end');
    expect(screen).toContain('__EXIT_0__');
    expect(screen).toMatch(/✓ slow-a \d+ms/);
    expect(screen).toMatch(/✓ default \d+ms/);
    expect(screen).toMatch(/Done in \d+ms: 3 succeeded/);
    expect(screen).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(screen).not.toContain('running');
    expect(tmux.cursorVisible()).toBe(true);
  });

  test('the live area never exceeds the terminal height: "+N more running"', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';\nconst names = [];\nfor (let i = 0; i < 40; i++) names.push(proc('w' + i, () => Bun.sleep(1500)));\nproc('default', { deps: names }, () => 1);\n`,
    });
    await using tmux = new Tmux();
    tmux.start([], rig.dir, 80, 12);
    const mid = await tmux.waitFor((s) => /\+\d+ more running/.test(s), 'the overflow line');
    const liveLines = mid.split('\n').filter((l) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] w\d+/.test(l));
    expect(liveLines.length).toBeLessThanOrEqual(10);
    expect(mid).toMatch(/\+3\d more running/);
    await tmux.waitFor((s) => s.includes('__EXIT_0__'), 'the run to end');
  });

  test('redraws in place: a live area at the top of a tmux pane does not fill the scrollback', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('a', () => Bun.sleep(1500));\nproc('b', () => Bun.sleep(1500));\nproc('default', { deps: ['a', 'b'] }, () => 1);\n` });
    await using tmux = new Tmux();
    tmux.start([], rig.dir, 80, 12);
    await tmux.waitFor((s) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] a/.test(s), 'the live area');
    const before = tmux.historySize();
    // ~10 redraws a second for about a second: each used to push a frame into the history.
    const spinners = new Set<string>();
    await tmux.waitFor((s) => {
      const m = /([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) a/.exec(s);
      if (m) spinners.add(m[1] as string);
      return spinners.size >= 6 || s.includes('__EXIT_');
    }, 'several redraws');
    expect(spinners.size).toBeGreaterThanOrEqual(5);
    expect(tmux.historySize() - before).toBeLessThanOrEqual(1);
    await tmux.waitFor((s) => s.includes('__EXIT_0__'), 'the run to end');
  });

  test('an interactive proc gets the terminal, runs alone, with the live display paused; refused without a terminal', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
import { appendFileSync } from 'node:fs';
const mark = (what) => appendFileSync('trail.txt', what + '\\n');
proc('login', { interactive: true }, async (ctx) => {
  mark('login:start');
  await ctx.exec(['sh', '-c', 'printf "user? "; read name; echo "hello $name"']);
  mark('login:end');
});
proc('other', async () => { mark('other:start'); await Bun.sleep(200); mark('other:end'); });
proc('default', { deps: ['other', 'login'] }, () => 1);
`,
    });
    await using tmux = new Tmux();
    tmux.start([], rig.dir);
    await tmux.waitFor((s) => s.includes('user?'), 'the question');
    tmux.sendKeys('bob', 'Enter');
    const screen = await tmux.waitFor((s) => s.includes('__EXIT_'), 'the exit');
    expect(screen).toContain('hello bob');
    expect(screen).toContain('__EXIT_0__');
    // Alone: other ran entirely before or after login.
    const trail = readFileSync(join(rig.dir, 'trail.txt'), 'utf8').trim().split('\n');
    expect([['other:start', 'other:end', 'login:start', 'login:end'], ['login:start', 'login:end', 'other:start', 'other:end']]).toContainEqual(trail);
    // Without a terminal (and under --json) it is refused with a clear message.
    const piped = await rig.exec(['login', '--no-db']);
    expect(piped.code).toBe(1);
    expect(piped.stdout).toContain('proc "login" is interactive (it needs the terminal), but stdin and stdout are not a terminal');
    const json = await rig.exec(['login', '--json', '--no-db']);
    expect(json.stdout).toContain('--json is on');
  });

  test('Ctrl+C: Tasks Aborted, exit 130, cursor shown again', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('default', async (ctx) => { await ctx.$\`sleep 30\`; });\n` });
    await using tmux = new Tmux();
    tmux.start([], rig.dir);
    await tmux.waitFor((s) => /default/.test(s), 'the live area');
    expect(tmux.cursorVisible()).toBe(false);
    tmux.sendKeys('C-c');
    const screen = await tmux.waitFor((s) => s.includes('__EXIT_'), 'the exit');
    expect(screen).toContain('Tasks Aborted');
    expect(screen).toContain('__EXIT_130__');
    expect(screen).toMatch(/✗ default .*interrupted/);
    expect(tmux.cursorVisible()).toBe(true);
  });

  test('prompts from parallel procs are asked one at a time, with the live area paused; passwords are not echoed', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('ask-name', async (ctx) => { const n = await ctx.prompt('Your name?'); ctx.log('name=' + n); return n; });
proc('ask-secret', async (ctx) => { const s = await ctx.prompt('Token?', { password: true }); ctx.log('len=' + s.length); return s.length; });
proc('busy', () => Bun.sleep(3000));
proc('default', { deps: ['ask-name', 'ask-secret', 'busy'] }, (ctx) => { console.log(JSON.stringify(ctx.results)); });
`,
    });
    await using tmux = new Tmux();
    tmux.start(['--full-log'], rig.dir);
    await tmux.waitFor((s) => s.includes('Your name?'), 'the first question');
    tmux.sendKeys('-l', 'ada');
    tmux.sendKeys('Enter');
    await tmux.waitFor((s) => s.includes('Token?'), 'the second question');
    tmux.sendKeys('-l', 's3cr3t-value');
    tmux.sendKeys('Enter');
    const screen = await tmux.waitFor((s) => s.includes('__EXIT_'), 'the run to end');
    expect(screen).toContain('__EXIT_0__');
    expect(screen).not.toContain('s3cr3t-value');
    const log = await Bun.file(`${rig.dir}/.parproc/logs/ask-secret.log`).text();
    expect(log).toBe('len=12\n');
    expect(await Bun.file(`${rig.dir}/.parproc/logs/ask-name.log`).text()).toBe('name=ada\n');
  });
});
