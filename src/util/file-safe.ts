/**
 * One-to-one mapping from proc names to readable file names: letters, digits and `-_.:@+=,` stay
 * as they are (`test::main.log`); every other character becomes its UTF-8 bytes as `%XX` (the `%`
 * itself too), so `a/b`, `a_b` and `a%2Fb` never share a file, nor do `🚀` and `🎉` (a character
 * outside the BMP is one character, not two halves); half of such a pair on its own (a string no
 * UTF-8 can hold) becomes `%uXXXX`. Names too long for
 * the file system (255 bytes, less room for `.log`) are cut and end in `~` and a hash of the
 * whole name; `~` is always escaped otherwise, so a shortened name never meets a plain one.
 */
const MAX_BYTES = 200;

/** Letters, digits and `_:@+=,-` (and `.`, after the first character) stay as they are. */
function isSafeChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 64 || c === 43 || c === 61 || c === 44 || c === 45 || (c === 46 && !first);
}

/**
 * Whether `name` is already a file name as it is. A loop, not a regular expression: this runs for
 * the first proc of every run, where JavaScriptCore would first compile the expression.
 */
function isSafe(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) if (!isSafeChar(name.charCodeAt(i), i === 0)) return false;
  return true;
}

export function fileSafeName(name: string): string {
  if (name.length <= MAX_BYTES && isSafe(name)) return name;
  let out = name.replace(/[^A-Za-z0-9._:@+=,-]/gu, (c) => {
    const code = c.charCodeAt(0);
    if (c.length === 1 && code >= 0xd800 && code <= 0xdfff) return `%u${code.toString(16).toUpperCase()}`;
    return Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  });
  // '.' and '..' are not file names; a leading dot would hide the file.
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`;
  // Only ASCII is left, so characters are bytes.
  if (out.length > MAX_BYTES) out = `${out.slice(0, MAX_BYTES - 18)}~${Bun.hash(name).toString(16).padStart(16, '0')}`;
  return out;
}

/**
 * The proc name a log file's name stands for (`fileSafeName`'s inverse, without `.log`), or
 * `null` for a shortened name (`~` and a hash) or one no proc name gives.
 */
export function procNameOf(fileName: string): string | null {
  if (fileName.includes('~')) return null;
  try {
    return decodeURIComponent(fileName);
  } catch {
    return null;
  }
}
