// util/path.ts answers as node:path does (on POSIX its functions are parproc's own).
import { describe, expect, test } from 'bun:test';
import * as node from 'node:path';
import { dirname, extname, isAbsolute, join, relative, resolve } from '../../src/util/path.ts';

const posix = process.platform !== 'win32';
const SEGMENTS = ['', '.', '..', 'a', 'b.c', '.d', 'e..', '...', '.f.g', 'h/', '/i', '//', 'j//k', 'l/./m', 'n/../o', './p', '../q', 'r.ts', '..s'];
/** Every segment, and every pair and triple of them joined with one or two slashes, rooted or not. */
function samples(): string[] {
  const out = new Set<string>(SEGMENTS);
  for (const a of SEGMENTS)
    for (const b of SEGMENTS) {
      for (const s of ['/', '//']) {
        out.add(`${a}${s}${b}`);
        out.add(`/${a}${s}${b}`);
        for (const c of ['x', '..', '.', '', 'y.z/']) out.add(`${a}${s}${b}/${c}`);
      }
    }
  return [...out];
}
const paths = samples();

describe.if(posix)('util/path against node:path', () => {
  test('dirname, extname, isAbsolute, resolve: every sample', () => {
    expect(paths.length).toBeGreaterThan(3000);
    for (const p of paths) {
      expect([p, dirname(p)]).toEqual([p, node.dirname(p)]);
      expect([p, extname(p)]).toEqual([p, node.extname(p)]);
      expect([p, isAbsolute(p)]).toEqual([p, node.isAbsolute(p)]);
      expect([p, resolve(p)]).toEqual([p, node.resolve(p)]);
      expect([p, resolve('/base/dir', p)]).toEqual([p, node.resolve('/base/dir', p)]);
    }
  });

  test('join and relative: pairs of samples', () => {
    let pairs = 0;
    for (let i = 0; i < paths.length; i += 7)
      for (let j = 0; j < paths.length; j += 11) {
        const a = paths[i] as string;
        const b = paths[j] as string;
        expect([a, b, join(a, b)]).toEqual([a, b, node.join(a, b)]);
        expect([a, b, relative(a, b)]).toEqual([a, b, node.relative(a, b)]);
        pairs++;
      }
    expect(pairs).toBeGreaterThan(40_000);
    expect(join()).toBe(node.join());
    expect(join('', '')).toBe(node.join('', ''));
    expect(join('a', '', 'b', '/c/', '..', 'd')).toBe(node.join('a', '', 'b', '/c/', '..', 'd'));
    expect(resolve()).toBe(node.resolve());
    expect(resolve('a', '/b', 'c', '', '../d')).toBe(node.resolve('a', '/b', 'c', '', '../d'));
  });

  test('a non-string part is a TypeError, as with node:path', () => {
    expect(() => join('a', 3 as unknown as string)).toThrow(TypeError);
    expect(() => resolve(undefined as unknown as string)).toThrow(TypeError);
  });
});
