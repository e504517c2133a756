/**
 * `run` at most once per `ms`, for lists re-read on live events: `soon()` runs it at once when
 * it has not run for `ms`, else when `ms` have passed since; calls until then join that run.
 * `cancel()` drops a scheduled run.
 */
export function throttled(run: () => Promise<void>, ms: number): { soon: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRun = -Infinity;
  return {
    soon: () => {
      timer ??= setTimeout(
        () => {
          lastRun = Date.now();
          void run().finally(() => (timer = undefined));
        },
        Math.max(0, lastRun + ms - Date.now()),
      );
    },
    cancel: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
