/**
 * A sensor pipeline composed from operators: three simulated sensors publish temperature readings (a few of
 * them invalid) on `sensors/<id>/temperature`; the app validates them with a zod schema (`decodeWith`),
 * aggregates them per sensor over 500 ms windows (RxJS `windowTime` + `groupBy` + `reduce`, in
 * examples/lib/sensor-stats.ts) and publishes each window's statistics to `sensors/<id>/stats` with
 * `publishTo`; a dashboard subscribes to the statistics and prints them.
 *
 * The aggregation is a plain function of an Observable of messages, marble-tested without a broker in
 * test/integration/recipes (see docs/testing.md).
 *
 * Run it: `npm run example -- sensor-pipeline`, or
 * `MQTT_URL=mqtt://localhost:1883 npx tsx examples/sensor-pipeline.ts`.
 */
import {
  BehaviorSubject,
  Subject,
  filter,
  firstValueFrom,
  lastValueFrom,
  takeUntil,
  tap,
  timeout,
  toArray,
} from 'rxjs';
import { MqttConnector, publishTo } from '../src/index';
import { check } from './lib/check';
import { sensorStats, type SensorStats } from './lib/sensor-stats';

const SENSORS = ['boiler', 'attic', 'cellar'];
const READINGS_PER_SENSOR = 12;
/** The attic's garbage readings: every fifth one (i = 4, 9). */
const GARBAGE = Math.floor(READINGS_PER_SENSOR / 5);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The simulated sensors: one reading each every 60 ms; every fifth reading of the attic is garbage. */
async function simulateSensors(sensors: MqttConnector): Promise<void> {
  for (let i = 0; i < READINGS_PER_SENSOR; i++) {
    await Promise.all(
      SENSORS.map((sensor, s) => {
        const celsius = 20 + s * 15 + Math.sin(i / 2) * 3;
        const garbage = sensor === 'attic' && i % 5 === 4;
        const reading = garbage
          ? { celsius: i % 2 ? 'n/a' : 900 }
          : { celsius: Math.round(celsius * 10) / 10 };
        return sensors.publish(`sensors/${sensor}/temperature`, reading, { qos: 1 });
      }),
    );
    await sleep(60);
  }
}

export async function main(brokerUrl: string): Promise<void> {
  const options = { mqttBroker: brokerUrl, throttleInterval: 0 };
  const sensors = new MqttConnector({ ...options, clientId: 'sensors' });
  const app = new MqttConnector({ ...options, clientId: 'stats-app' });
  const dashboard = new MqttConnector({ ...options, clientId: 'dashboard' });
  await Promise.all([sensors.connect(), app.connect(), dashboard.connect()]);

  // The dashboard: prints every statistic it receives, keeps them.
  const received = new BehaviorSubject<SensorStats[]>([]);
  dashboard.subscribe<SensorStats>('sensors/+sensor/stats', { qos: 1 }).subscribe(({ params, payload }) => {
    const { count, min, max, mean } = payload;
    console.log(
      `dashboard: ${(params.sensor ?? '?').padEnd(6)} n=${count} min=${min} max=${max} mean=${mean.toFixed(2)}`,
    );
    received.next([...received.value, payload]);
  });
  await dashboard.whenSubscribed('sensors/+sensor/stats');

  // The app: readings in, validated, aggregated, statistics published. It ends when told to.
  const stop = new Subject<void>();
  let invalid = 0;
  const arrived = new BehaviorSubject(0);
  const readings = app.subscribe('sensors/+/temperature', { qos: 1 }).pipe(
    tap(() => arrived.next(arrived.value + 1)),
    takeUntil(stop),
  );
  const published = lastValueFrom(
    sensorStats(readings, {
      windowMs: 500,
      onInvalid: (error) => {
        invalid++;
        console.log(`app: skipped an invalid reading on ${error.topic}: ${error.message}`);
      },
    }).pipe(
      publishTo(app, (stats) => `sensors/${stats.sensor}/stats`, { qos: 1 }),
      toArray(),
    ),
  );
  await app.whenSubscribed('sensors/+/temperature');

  await simulateSensors(sensors);
  const total = SENSORS.length * READINGS_PER_SENSOR;
  // Every reading reached the app: end its input, so the last window closes and its statistics go out.
  await firstValueFrom(
    arrived.pipe(
      filter((n) => n === total),
      timeout(5000),
    ),
  );
  stop.next();
  const results = await published;
  console.log(`app: published ${results.length} statistics, skipped ${invalid} invalid readings`);
  check('invalid readings skipped', invalid, GARBAGE);

  // Wait until the dashboard has them all, then leave.
  const shown = await firstValueFrom(
    received.pipe(
      filter((all) => all.length >= results.length),
      timeout(5000),
    ),
  );
  check('statistics on the dashboard', shown.length, results.length);
  const counted = shown.reduce((sum, stats) => sum + stats.count, 0);
  check('valid readings counted in them', counted, total - GARBAGE);
  const sensorsShown = [...new Set(shown.map((stats) => stats.sensor))].sort();
  check('sensors on the dashboard', sensorsShown, [...SENSORS].sort());
  await Promise.all([sensors.disconnect(), app.disconnect(), dashboard.disconnect()]);
}

if (require.main === module) {
  main(process.env.MQTT_URL ?? 'mqtt://localhost:1883').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
