/**
 * The wait of a flushing close (`disconnect({ flush: true })`): one promise that resolves once the
 * pipeline has drained, or earlier when the wait is ended (connection lost, a close without flush).
 * Several closes may wait at once; all end together.
 *
 * @internal
 */
export class FlushWait {
  private done: (() => void) | undefined;

  /** @param isDrained - true once nothing is queued or waiting for an acknowledgement. */
  constructor(private readonly isDrained: () => boolean) {}

  /** True while a close waits. */
  get waiting(): boolean {
    return this.done !== undefined;
  }

  /** Resolves when the pipeline drains or {@link FlushWait.end} is called. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      const previous = this.done;
      this.done = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Something settled: ends the wait if that drained the pipeline. */
  check(): void {
    if (this.done !== undefined && this.isDrained()) this.end();
  }

  /** Ends the wait now (nothing more can flow, or the close no longer flushes). */
  end(): void {
    const done = this.done;
    this.done = undefined;
    done?.();
  }
}
