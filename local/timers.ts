/**
 * Runs `fn` every `ms`, one pass at a time: a tick while the previous pass still runs is skipped, not queued (local
 * mode's stand-in for an EventBridge schedule with reserved concurrency 1). `atStart`: also once right away. The
 * timer does not keep the process alive; a failed pass goes to `onError` and the next tick runs as usual.
 */
export function everyOnePass(
  ms: number,
  fn: () => Promise<unknown>,
  onError: (err: unknown) => void,
  opts: { atStart?: boolean } = {},
): ReturnType<typeof setInterval> {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    fn()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, ms);
  timer.unref();
  if (opts.atStart) setImmediate(tick);
  return timer;
}
