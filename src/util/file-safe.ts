/**
 * One-to-one mapping from proc names to file names: characters outside `[A-Za-z0-9._-]` become
 * `%XX` (the `%` itself too), so `a/b`, `a_b` and `a%2Fb` never share a file.
 */
export function fileSafeName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._-]/g, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  // '.' and '..' are not file names; a leading dot would hide the file.
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`;
  return out;
}
