/** The message of what `f` throws, checked to be an instance of `kind` (a test fails if nothing is thrown). */
import { expect } from 'bun:test';

export function thrownMessage(f: () => unknown, kind: abstract new (...a: never[]) => Error): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return (err as Error).message;
  }
  throw new Error('nothing was thrown');
}
