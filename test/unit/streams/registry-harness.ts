/**
 * Shared set-up of the subscription registry's unit tests: a registry over a {@link FakePort}, connected,
 * with its log lines and errors$ recorded, and a collector for what an Observable emits.
 */
import type { Observable } from 'rxjs';
import type { MqttConnectorError } from '../../../src/connector/errors';
import type { LogLevel, MqttMessage } from '../../../src/connector/types';
import type { ConnAck } from '../../../src/streams/port';
import {
  SubscriptionRegistry,
  type SubscriptionRegistryOptions,
} from '../../../src/streams/subscription-registry';
import { FakePort } from './fake-port';

export type LogLine = [LogLevel, string, Record<string, unknown>];

const created: SubscriptionRegistry[] = [];
afterEach(() => {
  for (const registry of created.splice(0)) registry.dispose();
});

/** A registry over a fake port, not connected yet, disposed after the test. */
export function createRegistry(options: Partial<SubscriptionRegistryOptions> = {}) {
  const port = new FakePort();
  const logs: LogLine[] = [];
  const registry = new SubscriptionRegistry(port, { log: (...line) => logs.push(line), ...options });
  created.push(registry);
  const errors: MqttConnectorError[] = [];
  registry.errors$.subscribe((error) => errors.push(error));
  return { port, registry, logs, errors };
}

/** A registry connected (no session) to a fake port; `connAck` adds CONNACK facts such as `{ protocolVersion: 5 }`. */
export async function setup(
  options: Partial<SubscriptionRegistryOptions> = {},
  connAck: Partial<ConnAck> = {},
) {
  const made = createRegistry(options);
  await made.registry.onConnected(made.port.open(false, connAck));
  return made;
}

/** Records the values, error and completion of `source`. */
export function collect<T>(source: Observable<T>) {
  const values: T[] = [];
  const state: { error?: unknown; completed: boolean } = { completed: false };
  const subscription = source.subscribe({
    next: (value) => values.push(value),
    error: (error: unknown) => (state.error = error),
    complete: () => (state.completed = true),
  });
  return { values, state, subscription };
}

/** The payloads of some messages. */
export const payloads = (messages: readonly MqttMessage<unknown>[]) =>
  messages.map((message) => message.payload);
