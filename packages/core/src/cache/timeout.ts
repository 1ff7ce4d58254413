// Bounds a store call in time: a store that hangs must not hang the request (the cache fails open).

/** A bounded call did not answer in time (callers tell a timeout from a failure by this class). */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** `onTimeout` runs when the bound fires, e.g. to abort the work that is no longer wanted. */
export function withTimeout<T>(value: T | Promise<T>, ms: number, what = 'cache store', onTimeout?: () => void): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(`${what} did not answer within ${ms} ms`));
    }, ms);
    value.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e); },
    );
  });
}
