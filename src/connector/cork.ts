/**
 * Corking MQTT.js's socket, which more than one part of the connector does at a time.
 *
 * @internal
 */

/** The part of a Node Writable that corking touches. */
export interface CorkableStream {
  cork(): void;
  uncork(): void;
  /** How many `cork()` calls are not yet undone (Node ≥ 13). */
  readonly writableCorked?: number;
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
