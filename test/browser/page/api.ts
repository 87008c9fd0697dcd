/**
 * The contract between the browser page (page/entry.ts, bundled by esbuild) and the Jest side: the page
 * puts a {@link PageApi} on `window.mqttPage`; the test calls it with `page.evaluate` and reads the
 * JSON-serialisable results back. Types only: both sides import it.
 */
import type { ConnectionStatus } from '../../../src/index';

/** One connector the page runs (one section of the page). */
export interface StartArgs {
  /** Short name shown on the page and used in topics, e.g. `aedes-ws`. */
  readonly name: string;
  /** Broker URL as the app would write it, e.g. `ws://127.0.0.1:9001/mqtt`. */
  readonly broker: string;
  readonly protocolVersion: 4 | 5;
}

/** What the page received on one exchange round, as plain data. */
export interface RoundResult {
  readonly json: unknown;
  /** The binary payload's bytes, and whether it arrived as a Uint8Array. */
  readonly bytes: number[];
  readonly bytesIsUint8Array: boolean;
  /** Payload of the message the Node side published to `node/<name>/hello` after `ready`. */
  readonly fromNode: unknown;
}

/** The page's final report for one connector. */
export interface StopResult {
  /** Every status the connector went through, in order, without repeats in a row. */
  readonly statuses: ConnectionStatus[];
  readonly finalStatus: ConnectionStatus;
  readonly isConnected: boolean;
  /** Errors reported on `errors$` (decode failures, refused filters): should stay empty. */
  readonly errors: string[];
  readonly received: number;
}

/** The API the page exposes. Every call settles within its own bounded wait (it rejects on timeout). */
export interface PageApi {
  /** Creates the connector, subscribes, connects; resolves once both SUBACKs arrived. */
  start(args: StartArgs): Promise<{ status: ConnectionStatus }>;
  /**
   * Publishes a JSON value and a binary payload (QoS 1) to its own topics, tells the Node side it is ready
   * (`browser/<name>/ready`, payload = round) and resolves with what came back: both echoes and the Node
   * side's answer for this round.
   */
  exchange(name: string, round: number): Promise<RoundResult>;
  /**
   * Resolves with the status history once `status` appears in it at index `since` or later (it may have
   * happened already), e.g. `waitFor(name, 'connected', historyLengthBeforeRestart)`.
   */
  waitFor(name: string, status: ConnectionStatus, since: number): Promise<ConnectionStatus[]>;
  /** The status history so far. */
  statuses(name: string): ConnectionStatus[];
  /** Disconnects and reports. */
  stop(name: string): Promise<StopResult>;
}

declare global {
  interface Window {
    mqttPage?: PageApi;
    /** Every finished connector's report, by name (set by `stop`). */
    __result?: Record<string, StopResult>;
  }
}
