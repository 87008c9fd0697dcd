/**
 * The recipe of docs/testing.md, "Marble-testing your pipeline": the app's logic is a function from an
 * Observable of messages to an Observable of results (examples/lib/sensor-stats.ts), so it is tested
 *
 * 1. in virtual time with RxJS's TestScheduler, fed hand-made messages: no broker, no sockets, no waiting;
 * 2. and once end to end, the same function fed by a real subscription on the embedded broker of
 *    mqtt-connector/testing.
 */
import { take, toArray, firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { MqttConnector, type DecodeError, type MqttMessage } from '../../../src/index';
import { startBroker, type EmbeddedBroker } from '../../../src/testing/index';
import { sensorStats, type SensorStats } from '../../../examples/lib/sensor-stats';

/** A message as the connector would deliver it (JSON already decoded by the default 'auto' decoding). */
function message(topic: string, payload: unknown): MqttMessage {
  return {
    topic,
    payload,
    raw: new TextEncoder().encode(JSON.stringify(payload)),
    qos: 1,
    retain: false,
    dup: false,
    params: {},
  };
}

describe('recipe: marble-testing a pipeline built on the connector', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const readings = {
    a: message('sensors/s1/temperature', { celsius: 20 }),
    b: message('sensors/s2/temperature', { celsius: 30 }),
    c: message('sensors/s1/temperature', { celsius: 22 }),
    x: message('sensors/s1/temperature', { celsius: 'hot' }), // not a number: refused by the schema
    d: message('sensors/s1/temperature', { celsius: 500 }), // out of the sensor's range
    h: message('sensors/s1/humidity', { percent: 40 }), // another topic: not a temperature
    e: message('sensors/s2/temperature', { celsius: 31 }),
  };

  it('aggregates valid readings per sensor and per window, skipping and reporting invalid ones', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const invalid: DecodeError[] = [];
      const source = cold('a 99ms b 299ms c 199ms x 99ms d 99ms h 399ms e 299ms |', readings);
      const stats = sensorStats(source, { windowMs: 1000, scheduler, onInvalid: (e) => invalid.push(e) });

      expectObservable(stats).toBe('1000ms (pq) 496ms (r|)', {
        p: { sensor: 's1', count: 2, min: 20, max: 22, mean: 21 },
        q: { sensor: 's2', count: 1, min: 30, max: 30, mean: 30 },
        r: { sensor: 's2', count: 1, min: 31, max: 31, mean: 31 },
      } satisfies Record<string, SensorStats>);
      scheduler.flush();
      expect(invalid.map((e) => [e.code, e.topic])).toEqual([
        ['DECODE_FAILED', 'sensors/s1/temperature'],
        ['DECODE_FAILED', 'sensors/s1/temperature'],
      ]);
    });
  });

  it('emits nothing for a window without valid readings, and errors when the source errors', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('x 1499ms a 99ms #', readings, new Error('connection closed for good'));
      expectObservable(sensorStats(source, { windowMs: 1000, scheduler })).toBe(
        '1600ms #',
        {},
        new Error('connection closed for good'),
      );
    });
  });

  describe('the same pipeline against the embedded broker', () => {
    let broker: EmbeddedBroker;
    let connector: MqttConnector;
    beforeEach(async () => {
      broker = await startBroker();
      connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0 });
      await connector.connect();
    });
    afterEach(async () => {
      await connector.disconnect();
      await broker.close();
    });

    it('aggregates what a real subscription delivers', async () => {
      // One long window, ended by the source completing after the five readings: the result does not
      // depend on how fast the broker is.
      const invalid: DecodeError[] = [];
      const subscription = connector.subscribe('sensors/+/temperature', { qos: 1 }).pipe(take(5));
      const stats = firstValueFrom(
        sensorStats(subscription, { windowMs: 60_000, onInvalid: (e) => invalid.push(e) }).pipe(toArray()),
      );
      await connector.whenSubscribed('sensors/+/temperature');
      for (const [sensor, celsius] of [
        ['s1', 20],
        ['s2', 30],
        ['s1', 'hot'],
        ['s1', 22],
        ['s2', 31],
      ] as const) {
        await connector.publish(`sensors/${sensor}/temperature`, { celsius }, { qos: 1 });
      }
      await expect(stats).resolves.toEqual([
        { sensor: 's1', count: 2, min: 20, max: 22, mean: 21 },
        { sensor: 's2', count: 2, min: 30, max: 31, mean: 30.5 },
      ]);
      expect(invalid).toHaveLength(1);
    });
  });
});
