/**
 * Waiting for something a stream delivers (a response, a notification): `arrived()` after each message, and
 * `until(cond)` resolves as soon as the condition holds, or fails with what it waited for when the stream ended or
 * the time ran out.
 */
export class Arrivals {
  private waiters: Array<() => void> = [];

  constructor(private readonly ended: () => boolean) {}

  arrived(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.ended()) throw new Error(`stream ended while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
