/**
 * The embedded aedes broker for this repository's own tests: a thin adapter over the public
 * `mqtt-connector/testing` helper (src/testing), keeping the names the tests use (`broker` for the aedes
 * instance, `close()` as the "broker died" simulation, `restart()` on the same ports).
 */
import type { AedesOptions } from 'aedes';
import {
  startBroker,
  type EmbeddedBrokerOptions,
  type EmbeddedBroker as TestingBroker,
} from '../../src/testing/index';

export interface EmbeddedBroker extends TestingBroker {
  /** The current aedes instance (replaced by `restart()`). */
  readonly broker: TestingBroker['aedes'];
}

/** Starts aedes on ephemeral ports (or the given ones). `close()` stops it; `restart()` brings it back. */
export async function startAedes(
  options?: Omit<EmbeddedBrokerOptions, 'port' | 'wsPort'>,
  ports: { port?: number; wsPort?: number } = {},
): Promise<EmbeddedBroker> {
  const broker = await startBroker({ ...options, ...ports });
  return Object.create(broker, {
    broker: { get: () => broker.aedes },
    close: { value: () => broker.stop() },
  }) as EmbeddedBroker;
}

/** aedes's `authenticate` hook. */
export type AuthHook = NonNullable<AedesOptions['authenticate']>;

/** The error an `authenticate` hook passes to make aedes refuse with this CONNACK return code. */
export function refusal(returnCode: number): Error & { returnCode: number } {
  return Object.assign(new Error('refused'), { returnCode });
}
