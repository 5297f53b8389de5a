/**
 * The hand check of common option shapes (issue 11): what it takes must be exactly what valibot
 * would accept, and everything else — including every mistake — still gets valibot's message.
 */
import { describe, expect, test } from 'bun:test';
import { thrownMessage } from '../helpers/thrown.ts';
import { UserError } from '../../src/errors.ts';
import { parseOptions, parseProcOptions } from '../../src/options.ts';
import { simpleShape } from '../../src/simple-options.ts';

const message = (f: () => unknown): string => thrownMessage(f, UserError);

describe('simple option shapes', () => {
  test('lists of names, flags, text, paths, counts and words pass; lists are copied', () => {
    const deps = ['a', 'b'];
    const out = simpleShape({ deps, now: true, description: '', logDir: null, parallel: 3, mode: 'worker', skip: undefined }, {
      deps: 'names', now: 'flag', description: 'text', logDir: 'path', parallel: 'count', mode: ['inline', 'worker'], skip: 'flag',
    });
    expect(out).toEqual({ deps: ['a', 'b'], now: true, description: '', logDir: null, parallel: 3, mode: 'worker' });
    expect(out?.deps).not.toBe(deps);
  });

  test('anything else goes to the full check', () => {
    const kinds = { deps: 'names', parallel: 'count', logDir: 'path', mode: ['inline'] } as const;
    for (const o of [{ deps: ['a', ''] }, { deps: [() => 'a'] }, { deps: 'a' }, { parallel: 0 }, { parallel: 1.5 }, { logDir: '' }, { mode: 'fork' }, { other: 1 }]) {
      expect(simpleShape(o, kinds)).toBeNull();
    }
  });

  test('parsed options are what valibot gives; mistakes keep valibot\'s messages', () => {
    expect(parseProcOptions('p', { deps: ['a'], inputs: ['src/**'], outputs: ['out.txt'], noSkip: true, mode: 'process' })).toMatchObject({
      deps: ['a'], inputs: ['src/**'], outputs: ['out.txt'], noSkip: true, mode: 'process', timeout: null, wave: 0, locks: [],
    });
    expect(parseProcOptions('p', { timeout: '2s', deps: ['a'] }).timeout).toBe(2);
    expect(parseOptions({ parallel: 4, logDir: 'logs', display: false })).toEqual({ parallel: 4, logDir: 'logs', display: false });
    expect(message(() => parseProcOptions('p', { deps: ['a', ''] }))).toContain('proc "p": option "deps[1]"');
    expect(message(() => parseProcOptions('p', { inputz: ['a'] }))).toBe('proc "p": option "inputz" is not an option (did you mean inputs?)');
    // A nested unknown key is named by its path, with the closest key of its own object.
    expect(message(() => parseOptions({ remoteCache: { url: 'http://cache', tokn: 'x' } }))).toBe('setOptions: option "remoteCache.tokn" is not an option (did you mean token?)');
    expect(message(() => parseProcOptions('p', { zzzzzz: 1 }))).toBe('proc "p": option "zzzzzz" is not an option');
    expect(message(() => parseOptions({ parallel: 0 }))).toContain('option "parallel" expected at least 1');
    expect(message(() => parseOptions({ mode: 'fork' }))).toContain('option "mode"');
  });
});
