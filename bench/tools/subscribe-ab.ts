/**
 * A/B of a change to the subscription layer: this checkout's connector (A) against another source tree's
 * (B) in the same process, interleaved, subscribing the filters of the dispatch workload (scenario 9's).
 *
 *   npx tsx bench/tools/subscribe-ab.ts --other=/tmp/base/src --protocol=5
 *   npx tsx bench/tools/subscribe-ab.ts --other=/tmp/base/src --phase=restore --protocol=5
 *   npx tsx bench/tools/subscribe-ab.ts --this=/tmp/new/src --other=/tmp/base/src --filters=2000 --reps=9
 *
 * `--phase=subscribe` (default): from the first `subscribe()` until every `whenSubscribed` resolved, with
 * this process's CPU over the same span. `--phase=restore`: the filters are subscribed first; then a raw
 * client takes over the connector's client id, so Mosquitto drops it and it reconnects without a session,
 * and the time runs from its new CONNACK until the PUBACK of a QoS 1 publish queued behind the restored
 * SUBSCRIBEs (a broker handles one connection's packets in order). Mosquitto only (`--broker=aedes` speaks
 * MQTT 3.1.1, and is slow to acknowledge many filters). Prints the milliseconds (min / median / max) of
 * each side.
 */
import { filter, firstValueFrom } from 'rxjs';
import { Args } from '../lib/args.js';
import { type BenchBroker, startBroker } from '../lib/brokers.js';
import { abSides, type ConnectorClass, startConnector } from '../lib/connector.js';
import { measureCost } from '../lib/cost.js';
import { clientId, connectRaw, endRaw } from '../lib/raw.js';
import { fixed, int, spread, spreadText } from '../lib/stats.js';
import { rotate, withTimeout } from '../lib/timing.js';
import { workload } from '../lib/workload.js';

const TIMEOUT_MS = 60_000;

/** One run: milliseconds of the timed span and this process's CPU in it. */
interface Run {
  readonly ms: number;
  readonly cpuMs: number;
}

/** Subscribes every filter and waits for every SUBACK; `restore` then times a reconnect without session. */
async function run(
  broker: BenchBroker,
  Connector: ConnectorClass,
  filters: readonly string[],
  protocolVersion: 4 | 5,
  restore: boolean,
): Promise<Run> {
  const id = clientId('subscribe-ab');
  const bench = await startConnector(
    broker.url,
    { protocolVersion, clientId: id, reconnectInterval: 100 },
    Connector,
  );
  const { connector } = bench;
  const subscriptions = [];
  try {
    const meter = measureCost();
    const start = performance.now();
    for (const f of filters) subscriptions.push(connector.subscribe(f, { qos: 1 }).subscribe());
    const acked = Promise.all(filters.map((f) => connector.whenSubscribed(f)));
    await withTimeout(acked, TIMEOUT_MS, 'SUBACKs timed out');
    if (!restore) {
      const ms = performance.now() - start;
      return { ms, cpuMs: (await meter.stop()).cpuUs / 1000 };
    }
    // The time of the latest CONNACK: after the drop below, the reconnection's.
    let connectedAt = 0;
    const watch = connector.state$.subscribe((state) => {
      if (state.status === 'connected') connectedAt = performance.now();
    });
    try {
      const dropped = firstValueFrom(connector.state$.pipe(filter((state) => state.status !== 'connected')));
      const thief = await connectRaw(broker.url, { noDelay: true, mqtt: { clientId: id, protocolVersion } });
      await withTimeout(dropped, TIMEOUT_MS, 'the connector was not dropped');
      await endRaw(thief);
      const restoreMeter = measureCost(); // from the drop: the wait for the reconnect costs no CPU
      // Queued while offline, it leaves after the restored SUBSCRIBEs.
      await withTimeout(
        connector.publish('bench/subscribe-ab/fence', 'fence', { qos: 1 }),
        TIMEOUT_MS,
        'fence',
      );
      const ms = performance.now() - connectedAt;
      return { ms, cpuMs: (await restoreMeter.stop()).cpuUs / 1000 };
    } finally {
      watch.unsubscribe();
    }
  } finally {
    for (const subscription of subscriptions) subscription.unsubscribe();
    await bench.close();
  }
}

async function main(): Promise<void> {
  const args = new Args();
  const sides = await abSides(args);
  const protocolVersion = args.protocolVersion(5);
  const phase = args.string('phase', 'subscribe');
  if (phase !== 'subscribe' && phase !== 'restore') throw new Error('--phase must be subscribe or restore');
  const reps = args.number('reps', 7);
  const { filters } = workload(args.number('filters', 10_000), 0);
  const broker = await startBroker({ kind: 'mosquitto', noDelay: true }, () => undefined);
  try {
    const results = new Map<string, Run[]>(sides.map(([name]) => [name, []]));
    // Warm-up, discarded: compiled code and the broker's first allocations.
    for (const [, Connector] of sides)
      await run(broker, Connector, filters, protocolVersion, phase === 'restore');
    for (let rep = 0; rep < reps; rep++) {
      for (const [name, Connector] of rotate(sides, rep))
        results.get(name)?.push(await run(broker, Connector, filters, protocolVersion, phase === 'restore'));
    }
    for (const [name, list] of results) {
      console.log(
        `MQTT ${protocolVersion === 5 ? '5' : '3.1.1'} ${phase}, ${int(filters.length)} filters  ${name.padEnd(32)} ` +
          `${spreadText(spread(list.map((r) => r.ms)), int)} ms, CPU ${fixed(spread(list.map((r) => r.cpuMs)).median, 0)} ms`,
      );
    }
  } finally {
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
