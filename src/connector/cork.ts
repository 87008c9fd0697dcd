/**
 * Corking MQTT.js's socket, which more than one part of the connector does at a time.
 *
 * @internal
 */

/** Schedules `run` later: the next tick, the end of a read's work, ... */
export type Schedule = (run: () => void) => unknown;

/**
 * Node's `process.nextTick`, or `undefined` outside Node: the holds on the socket release on it, and a
 * browser bundle's `process.nextTick` polyfill may be built on timers, which would hold writes for
 * milliseconds.
 */
export function nodeNextTick(): Schedule | undefined {
  const host = (globalThis as { process?: { versions?: { node?: unknown }; nextTick?: Schedule } }).process;
  return typeof host?.versions?.node === 'string' && typeof host.nextTick === 'function'
    ? host.nextTick
    : undefined;
}

/** The part of a Node Writable that corking touches. */
export interface CorkableStream {
  cork(): void;
  uncork(): void;
  /** How many `cork()` calls are not yet undone (Node ≥ 13). */
  readonly writableCorked?: number;
}

/** How much a Node Writable has buffered, and how much it takes before `write` says to wait. */
export interface BufferedStream {
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
}

/** The part of MQTT.js's socket stream (a Node Writable) that the connector's own writers touch. */
export interface SocketStream extends CorkableStream, BufferedStream {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/** MQTT.js's `stream` as the writers find it: perhaps ended or destroyed, perhaps no Node Writable at all. */
export type FoundStream = Partial<SocketStream> & {
  readonly destroyed?: boolean;
  readonly writable?: boolean;
};

/**
 * `stream` when the connector can write to it and cork it: not destroyed, not ended, and with `write` and
 * `cork`; otherwise `undefined`, and the write is left to MQTT.js, which fails it as it always did.
 */
export function openCorkable(stream: FoundStream | undefined): SocketStream | undefined {
  if (stream === undefined || stream.destroyed === true || stream.writable === false) return undefined;
  return typeof stream.write === 'function' && typeof stream.cork === 'function'
    ? (stream as SocketStream)
    : undefined;
}

/**
 * Hands what the corked `stream` gathered to the socket in one `writev`, and corks it again as deeply as
 * it was: a Writable writes only once every cork is undone, and MQTT.js (one per packet, until the next
 * tick), direct-qos0.ts and read-batched-writes.ts may each hold one.
 */
export function flushCorked(stream: CorkableStream): void {
  const levels = stream.writableCorked ?? 1;
  for (let i = 0; i < levels; i++) stream.uncork();
  for (let i = 0; i < levels; i++) stream.cork();
}

/**
 * One corked socket at a time, held until a scheduled release (the next tick, the end of a read): the
 * writes made meanwhile leave together. Holding another socket lets the previous one go at once.
 */
export class CorkHold {
  private held: CorkableStream | undefined = undefined;

  /** @param schedule - runs the release later (the next tick, the end of a read's work, ...). */
  constructor(private readonly schedule: Schedule) {}

  /**
   * Corks `stream` until the release, unless it is held already; true when this call corked it (the
   * first write of a run, the first packet of a read).
   */
  hold(stream: CorkableStream): boolean {
    if (this.held === stream) return false;
    if (this.held === undefined) this.schedule(this.release);
    else this.held.uncork();
    this.held = stream;
    stream.cork();
    return true;
  }

  /**
   * Holds `stream` for a write of `bytes`, as {@link CorkHold.hold} does. When it was held already and the
   * write would take what gathered to the stream's high-water mark, first hands that to the socket
   * ({@link flushCorked}): a long run of writes keeps the socket busy, and the buffer never fills for want
   * of a flush.
   */
  holdForWrite(stream: CorkableStream & BufferedStream, bytes: number): void {
    if (!this.hold(stream) && stream.writableLength + bytes >= stream.writableHighWaterMark)
      flushCorked(stream);
  }

  private readonly release = (): void => {
    const stream = this.held;
    this.held = undefined;
    stream?.uncork();
  };
}
