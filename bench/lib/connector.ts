/**
 * The connector under test, used the way the issue asks: `throttleInterval: 0`, every `publish()`
 * promise awaited, its own defaults otherwise (noDelay on, in-flight window, ...).
 */
import { lastValueFrom, Observable, count } from 'rxjs';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MqttConnector, publishTo } from '../../src/index.js';
import type { MqttConnectorOptions, QoS } from '../../src/connector/types.js';
import type { Args } from './args.js';
import { clientId } from './raw.js';
import { withTimeout } from './timing.js';
import type { WithoutFirst } from './types.js';

/** A connected connector and what happened to its connection meanwhile. */
export interface BenchConnector {
  readonly connector: MqttConnector;
  /** How often the state left 'connected' since connect (the broker dropped us). */
  drops(): number;
  /** Disconnects (no flush) and stops watching the state. */
  close(): Promise<void>;
}

/** The connector class (another source tree's can be passed in: bench/tools/ab.ts). */
export type ConnectorClass = new (options: MqttConnectorOptions) => MqttConnector;

/**
 * The entry module of a connector tree: `index.ts` of a source tree (a copy of src/), else `index.js` of a
 * built one (dist/cjs or dist/esm after `npm run build`: the package as users run it); an error names the
 * directory when it has neither.
 */
export function connectorEntry(dir: string): string {
  const base = resolve(dir);
  for (const name of ['index.ts', 'index.js']) {
    const entry = join(base, name);
    if (existsSync(entry)) return entry;
  }
  throw new Error(`${dir} holds no index.ts (a source tree) or index.js (a built package)`);
}

/**
 * The connector class of another tree (`dir`: a copy of src/, loaded through tsx, or a built package, see
 * {@link connectorEntry}), for A/Bs.
 */
export async function loadConnector(dir: string): Promise<ConnectorClass> {
  const module = (await import(pathToFileURL(connectorEntry(dir)).href)) as { MqttConnector: ConnectorClass };
  return module.MqttConnector;
}

/**
 * The two sides of an A/B and their source trees, named for its output: A is this checkout's connector
 * (tree undefined), or the one of the tree given as `--this` (loaded the same way as B, so neither has the
 * advantage); B is `--other`'s (required).
 */
export function abTrees(args: Args): readonly (readonly [string, string | undefined])[] {
  const other = args.optionalString('other');
  if (other === undefined) throw new Error('--other=<path to another src/ directory> is required');
  const self = args.optionalString('this');
  return [
    [`A (${self ?? 'this checkout'})`, self],
    [`B (${other})`, other],
  ];
}

/** The connector class of a tree as {@link abTrees} names it: this checkout's when undefined. */
export async function abConnector(tree: string | undefined): Promise<ConnectorClass> {
  return tree === undefined ? MqttConnector : await loadConnector(tree);
}

/** {@link abTrees}, each side's connector class loaded into this process. */
export async function abSides(args: Args): Promise<readonly (readonly [string, ConnectorClass])[]> {
  const sides: (readonly [string, ConnectorClass])[] = [];
  for (const [name, tree] of abTrees(args)) sides.push([name, await abConnector(tree)]);
  return sides;
}

/** Creates and connects a connector to `url`; rejects if it is not connected within 10 s. */
export async function startConnector(
  url: string,
  options: MqttConnectorOptions = {},
  Connector: ConnectorClass = MqttConnector,
): Promise<BenchConnector> {
  const connector = new Connector({
    mqttBroker: url,
    clientId: clientId('conn'),
    throttleInterval: 0,
    reconnectInterval: 1000,
    logLevel: 'error',
    ...options,
  });
  let connected = false;
  let drops = 0;
  const watch = connector.state$.subscribe((state) => {
    if (state.status === 'connected') connected = true;
    else if (connected && state.status !== 'disconnected') {
      connected = false;
      drops++;
    }
  });
  const ok = await withTimeout(connector.connect(), 10_000, 'connector connect timed out').catch(
    async (error: unknown) => {
      await connector.disconnect({ flush: false });
      throw error;
    },
  );
  if (!ok) {
    watch.unsubscribe();
    await connector.disconnect({ flush: false });
    throw new Error(`connector could not connect to ${url}`);
  }
  return {
    connector,
    drops: () => drops,
    close: async () => {
      watch.unsubscribe();
      await connector.disconnect({ flush: false });
    },
  };
}

/**
 * Fires `n` publishes at once, awaits every promise, then one QoS 1 fence (same pipeline, same order).
 * Resolves with the elapsed milliseconds; rejects when a publish rejects or after `timeoutMs`.
 */
export async function connectorPublishRun(
  connector: MqttConnector,
  topic: string,
  n: number,
  qos: QoS,
  payload: Uint8Array | string,
  timeoutMs: number,
): Promise<number> {
  const start = performance.now();
  const promises = new Array<Promise<unknown>>(n);
  for (let i = 0; i < n; i++) promises[i] = connector.publish(topic, payload, { qos });
  await withTimeout(Promise.all(promises), timeoutMs, 'connector publish run timed out');
  await fence(connector, topic, timeoutMs);
  return performance.now() - start;
}

/**
 * {@link connectorPublishRun} on a fresh connector (`Connector` with `options`, see {@link startConnector}),
 * closed afterwards whatever happens; resolves with the run's elapsed milliseconds.
 */
export async function connectorPublishFresh(
  url: string,
  options: MqttConnectorOptions,
  Connector: ConnectorClass,
  ...run: WithoutFirst<Parameters<typeof connectorPublishRun>>
): Promise<number> {
  const bench = await startConnector(url, options, Connector);
  try {
    return await connectorPublishRun(bench.connector, ...run);
  } finally {
    await bench.close();
  }
}

/**
 * Publishes `n` messages, the i-th `payloadAt(i)`, keeping at most `window` publish promises outstanding
 * (the next publish starts when one settles), as the expert raw pattern does with callbacks. Resolves when
 * all settled; rejects with the first failure.
 */
export function publishWindowed(
  connector: MqttConnector,
  topic: string,
  qos: QoS,
  n: number,
  payloadAt: (index: number) => Uint8Array,
  window: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const settled = () => {
      done++;
      if (done === n) resolve();
      else next();
    };
    const next = () => {
      while (sent < n && sent - done < window) {
        connector.publish(topic, payloadAt(sent++), { qos }).then(settled, reject);
      }
    };
    next();
  });
}

/** Like {@link connectorPublishRun}, but with at most `window` promises outstanding ({@link publishWindowed}). */
export async function connectorWindowedRun(
  connector: MqttConnector,
  topic: string,
  n: number,
  qos: QoS,
  payload: Uint8Array,
  window: number,
  timeoutMs: number,
): Promise<number> {
  const start = performance.now();
  const all = publishWindowed(connector, topic, qos, n, () => payload, window);
  await withTimeout(all, timeoutMs, 'connector windowed run timed out');
  await fence(connector, topic, timeoutMs);
  return performance.now() - start;
}

/**
 * Publishes `n` messages as one synchronous Observable through the `publishTo` operator (no promise per
 * message), waits for its last result, then the fence. Resolves with the elapsed milliseconds.
 */
export async function connectorPublishToRun(
  connector: MqttConnector,
  topic: string,
  n: number,
  qos: QoS,
  payload: Uint8Array,
  timeoutMs: number,
): Promise<number> {
  const start = performance.now();
  const messages = new Observable<Uint8Array>((subscriber) => {
    for (let i = 0; i < n && !subscriber.closed; i++) subscriber.next(payload);
    subscriber.complete();
  });
  const published = await withTimeout(
    lastValueFrom(messages.pipe(publishTo(connector, topic, { qos }), count())),
    timeoutMs,
    'connector publishTo run timed out',
  );
  if (published !== n) throw new Error(`publishTo emitted ${published} results for ${n} messages`);
  await fence(connector, topic, timeoutMs);
  return performance.now() - start;
}

/** One QoS 1 publish after the run (same pipeline, same order): its PUBACK proves the broker read the rest. */
function fence(connector: MqttConnector, topic: string, timeoutMs: number): Promise<unknown> {
  return withTimeout(
    connector.publish(`${topic}/fence`, 'fence', { qos: 1 }),
    timeoutMs,
    'connector fence timed out',
  );
}
