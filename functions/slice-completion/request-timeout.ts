// A request's time limit that ends with the request. AbortSignal.timeout's timer cannot be
// cleared: it fires after every request anyway, building a TimeoutError and dispatching an abort
// that nobody listens to any more, twice per completion, on the CPU Lambda bills.

/** What aborts a request after `ms` (as AbortSignal.timeout does), until `clear` is called. */
export function requestTimeout(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      ),
    ms,
  );
  // As AbortSignal.timeout's: it never keeps the process alive by itself.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
