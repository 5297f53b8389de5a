/**
 * One-to-one mapping from proc names to readable file names: letters, digits and `-_.:@+=,` stay
 * as they are (`test::main.log`); every other character becomes `%XX` (the `%` itself too), so
 * `a/b`, `a_b` and `a%2Fb` never share a file. Names too long for
 * the file system (255 bytes, less room for `.log`) are cut and end in `~` and a hash of the
 * whole name; `~` is always escaped otherwise, so a shortened name never meets a plain one.
 */
const MAX_BYTES = 200;

const SAFE = /^[A-Za-z0-9_:@+=,-][A-Za-z0-9._:@+=,-]*$/;

export function fileSafeName(name: string): string {
  if (name.length <= MAX_BYTES && SAFE.test(name)) return name;
  let out = name.replace(/[^A-Za-z0-9._:@+=,-]/g, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  // '.' and '..' are not file names; a leading dot would hide the file.
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`;
  // Only ASCII is left, so characters are bytes.
  if (out.length > MAX_BYTES) out = `${out.slice(0, MAX_BYTES - 18)}~${Bun.hash(name).toString(16).padStart(16, '0')}`;
  return out;
}
