/**
 * Shared-subscription workers: two workers subscribe to `$share/workers/jobs/+id`, a producer publishes
 * jobs, each worker handles what it receives and publishes a result.
 *
 * On a broker with shared subscriptions (MQTT 5 `$share`, also offered on 3.1.1 by Mosquitto, EMQX and
 * HiveMQ) each job goes to ONE worker of the group: the load is split between them, and the example checks
 * that every job was handled exactly once. `npm run example -- shared-workers` runs it against Mosquitto
 * when mosquitto is installed; `MQTT_URL=mqtt://localhost:1883 npx tsx examples/shared-workers.ts` against
 * your broker.
 *
 * The embedded broker (aedes) has no shared subscriptions: it would treat `$share/workers/jobs/+` as a
 * literal filter that no publish matches, and the workers would get nothing. So when the runner hands this
 * example the embedded broker (mosquitto not installed), the example restarts it with a small
 * `authorizeSubscribe` hook that subscribes `$share/<group>/<filter>` as `<filter>`, says so, and checks
 * that BOTH workers get EVERY job, as on a broker that ignores the group. Either way the connector routes a
 * `$share/<group>/<filter>` subscription's messages as `<filter>` (MQTT 5 §4.8.2): the worker code is the
 * same.
 */
import { debounceTime, filter, firstValueFrom, mergeMap, scan, timeout, timer } from 'rxjs';
import { z } from 'zod';
import { MqttConnector } from '../src/index';
import type { EmbeddedBroker, EmbeddedBrokerOptions } from '../src/testing/index';
import { check } from './lib/check';

/** Tells the runner (`npm run example`) to use Mosquitto when installed: aedes has no `$share`. */
export const preferredBroker = 'mosquitto';

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
  const shared = broker === undefined; // the embedded aedes has no shared subscriptions
  if (!shared) {
    console.log(
      'The embedded broker (aedes) has no shared subscriptions: it is restarted with a hook that subscribes ' +
        '$share/workers/jobs/+ as jobs/+, so every worker gets every job. On Mosquitto, EMQX or HiveMQ the ' +
        'group splits them.',
    );
    await broker.restart({ authorizeSubscribe: shareAsPlainFilter });
  }

  const options = { mqttBroker: brokerUrl, throttleInterval: 0 };
  const producer = new MqttConnector({ ...options, clientId: 'producer' });
  const workers = ['worker-1', 'worker-2'].map((name) => ({
    name,
    connector: new MqttConnector({ ...options, clientId: name }),
  }));
  await Promise.all([producer.connect(), ...workers.map((w) => w.connector.connect())]);
  const running = workers.map((w) => startWorker(w.connector, w.name));
  await Promise.all(workers.map((w) => w.connector.whenSubscribed('$share/workers/jobs/+id')));

  const results = collectResults(producer, shared ? JOBS : 2 * JOBS);
  await producer.whenSubscribed('results/+id');
  for (let id = 1; id <= JOBS; id++) await producer.publish(`jobs/${id}`, { size: id }, { qos: 1 });
  const byWorker = await results;

  for (const { name } of workers) {
    const jobs = byWorker.get(name) ?? [];
    console.log(`${name} handled ${jobs.length} job(s): ${jobs.sort().join(', ')}`);
  }
  const all = Array.from({ length: JOBS }, (_, i) => String(i + 1)).sort();
  const handled = [...byWorker.values()].flat().sort();
  if (shared) {
    check(`the group split the ${JOBS} jobs: each handled exactly once`, handled, all);
    check(
      'both workers had a share',
      workers.every(({ name }) => (byWorker.get(name) ?? []).length > 0),
      true,
    );
  } else {
    check('without groups, every worker handled every job', handled, [...all, ...all].sort());
  }

  running.forEach((subscription) => subscription.unsubscribe());
  await Promise.all([producer.disconnect(), ...workers.map((w) => w.connector.disconnect())]);
}

/** Results by worker (worker name → job ids), once `expected` results came and no more for 200 ms. */
function collectResults(producer: MqttConnector, expected: number): Promise<Map<string, string[]>> {
  return firstValueFrom(
    producer.subscribe<{ worker: string }>('results/+id', { qos: 1 }).pipe(
      scan((byWorker, { params, payload }) => {
        const jobs = byWorker.get(payload.worker) ?? [];
        return byWorker.set(payload.worker, [...jobs, params.id as string]);
      }, new Map<string, string[]>()),
      filter((byWorker) => [...byWorker.values()].flat().length >= expected),
      debounceTime(200), // a result more than expected (a job handled twice) would come within this
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
