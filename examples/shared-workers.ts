/**
 * Shared-subscription workers: two workers subscribe to `$share/workers/jobs/+id`, a producer publishes
 * jobs, each worker handles what it receives and publishes a result.
 *
 * On a broker with shared subscriptions (MQTT 5 `$share`, also offered on 3.1.1 by Mosquitto, EMQX and
 * HiveMQ) each job goes to ONE worker of the group: the load is split between them. Run it against one
 * to see the split: `MQTT_URL=mqtt://localhost:1883 npx tsx examples/shared-workers.ts`. The project's
 * Mosquitto interop suite proves it.
 *
 * The embedded broker (aedes) has no shared subscriptions: it would treat `$share/workers/jobs/+` as a
 * literal filter that no publish matches, and the workers would get nothing. So when this example runs on
 * it (`npm run example -- shared-workers`) it restarts it with a small `authorizeSubscribe` hook that
 * subscribes `$share/<group>/<filter>` as `<filter>`: then BOTH workers get EVERY job, as on a broker that
 * ignores the group. Either way the connector routes a `$share/<group>/<filter>` subscription's messages
 * as `<filter>` (MQTT 5 §4.8.2), so the worker code is the same.
 */
import { debounceTime, filter, firstValueFrom, mergeMap, scan, timeout, timer } from 'rxjs';
import { z } from 'zod';
import { MqttConnector } from '../src/index';
import type { EmbeddedBroker, EmbeddedBrokerOptions } from '../src/testing/index';

const JOBS = 6;
const Job = z.object({ size: z.number().int().positive() });

/** aedes hook: subscribe `$share/<group>/<filter>` as `<filter>` (every member gets every message). */
const shareAsPlainFilter: EmbeddedBrokerOptions['authorizeSubscribe'] = (_client, subscription, callback) => {
  const shared = /^\$share\/[^/]+\/(.+)$/.exec(subscription.topic);
  callback(null, shared ? { ...subscription, topic: shared[1] as string } : subscription);
};

/** A worker: handles up to 2 jobs at a time and publishes each result to `results/<job id>`. */
function startWorker(connector: MqttConnector, name: string) {
  return connector
    .subscribe('$share/workers/jobs/+id', { qos: 1, decode: Job })
    .pipe(
      mergeMap(async ({ params, payload }) => {
        await firstValueFrom(timer(payload.size * 10)); // the "work"
        await connector.publish(
          `results/${params.id}`,
          { worker: name, square: payload.size ** 2 },
          { qos: 1 },
        );
        return params.id;
      }, 2),
    )
    .subscribe((id) => console.log(`${name} finished job ${id}`));
}

export async function main(brokerUrl: string, broker?: EmbeddedBroker): Promise<void> {
  if (broker) await broker.restart({ authorizeSubscribe: shareAsPlainFilter });

  const options = { mqttBroker: brokerUrl, throttleInterval: 0 };
  const producer = new MqttConnector({ ...options, clientId: 'producer' });
  const workers = ['worker-1', 'worker-2'].map((name) => ({
    name,
    connector: new MqttConnector({ ...options, clientId: name }),
  }));
  await Promise.all([producer.connect(), ...workers.map((w) => w.connector.connect())]);
  const running = workers.map((w) => startWorker(w.connector, w.name));
  await Promise.all(workers.map((w) => w.connector.whenSubscribed('$share/workers/jobs/+id')));

  const results = collectResults(producer);
  await producer.whenSubscribed('results/+id');
  for (let id = 1; id <= JOBS; id++) await producer.publish(`jobs/${id}`, { size: id }, { qos: 1 });
  const byWorker = await results;

  for (const { name } of workers) {
    const jobs = byWorker.get(name) ?? [];
    console.log(`${name} handled ${jobs.length} job(s): ${jobs.sort().join(', ')}`);
  }
  const total = [...byWorker.values()].reduce((sum, jobs) => sum + jobs.length, 0);
  console.log(
    total === JOBS
      ? `the group split the ${JOBS} jobs between the workers`
      : `${total} results for ${JOBS} jobs: this broker delivered every job to every worker`,
  );

  running.forEach((subscription) => subscription.unsubscribe());
  await Promise.all([producer.disconnect(), ...workers.map((w) => w.connector.disconnect())]);
}

/** Results by worker (worker name → job ids), once every job has one and none came for 200 ms. */
function collectResults(producer: MqttConnector): Promise<Map<string, string[]>> {
  return firstValueFrom(
    producer.subscribe<{ worker: string }>('results/+id', { qos: 1 }).pipe(
      scan((byWorker, { params, payload }) => {
        const jobs = byWorker.get(payload.worker) ?? [];
        return byWorker.set(payload.worker, [...jobs, params.id as string]);
      }, new Map<string, string[]>()),
      filter((byWorker) => new Set([...byWorker.values()].flat()).size === JOBS),
      debounceTime(200), // duplicates from a broker without groups come within this
      timeout(5000),
    ),
  );
}

if (require.main === module) {
  main(process.env.MQTT_URL ?? 'mqtt://localhost:1883').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
