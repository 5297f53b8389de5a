/** A promise with its resolvers, for waiting without polling. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  return Promise.withResolvers<T>();
}
