/**
 * subscribe() through the public API against the embedded aedes broker: one SUBSCRIBE per filter, the
 * UNSUBSCRIBE after the last observer, resubscription after a broker restart, decoding errors as values,
 * the retained cache, named wildcards, refusals and a stored session's backlog.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { firstValueFrom, take, toArray, timeout, filter, type Observable } from 'rxjs';
import {
  DecodeError,
  MqttConnector,
  SubscribeRefusedError,
  type LogEntry,
  type MqttConnectorError,
  type MqttConnectorOptions,
  type MqttMessage,
} from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';

interface PacketLog {
  subscribes: { filter: string; qos: number }[][];
  unsubscribes: string[][];
}

const WAIT_MS = 5000;

/** The next `count` values of `source`, or a timeout error. */
function next<T>(source: Observable<T>, count = 1): Promise<T[]> {
  return firstValueFrom(source.pipe(take(count), toArray(), timeout(WAIT_MS)));
}

/** Resolves once `condition` holds (checked every 5 ms), or rejects after WAIT_MS. */
function eventually(condition: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (condition()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > WAIT_MS) {
        clearInterval(poll);
        reject(new Error('condition not met in time'));
      }
    }, 5);
  });
}

describe('subscribe() against aedes', () => {
  let broker: EmbeddedBroker;
  let packets: PacketLog;
  let publisher: MqttClient;
  const connectors: MqttConnector[] = [];

  /** Records the SUBSCRIBE / UNSUBSCRIBE packets the broker receives from connectors (not the publisher). */
  function watch(): void {
    broker.broker.on('subscribe', (subscriptions, client) => {
      if (client.id.startsWith('publisher')) return;
      packets.subscribes.push(subscriptions.map((s) => ({ filter: s.topic, qos: s.qos })));
    });
    broker.broker.on('unsubscribe', (unsubscriptions) => packets.unsubscribes.push([...unsubscriptions]));
  }

  async function connector(options: MqttConnectorOptions = {}): Promise<MqttConnector> {
    const made = new MqttConnector({
      mqttBroker: broker.url,
      reconnectInterval: 20,
      throttleInterval: 0,
      ...options,
    });
    connectors.push(made);
    await expect(made.connect()).resolves.toBe(true);
    return made;
  }

  async function startPublisher(): Promise<void> {
    publisher = await mqtt.connectAsync(broker.url, {
      clientId: `publisher-${Date.now()}`,
      reconnectPeriod: 0,
    });
  }

  const publish = (topic: string, payload: string, options: { qos?: 0 | 1; retain?: boolean } = {}) =>
    publisher.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false });

  beforeEach(async () => {
    packets = { subscribes: [], unsubscribes: [] };
    broker = await startAedes();
    watch();
    await startPublisher();
  });

  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((made) => made.disconnect()));
    await publisher.endAsync(true);
    await broker.close();
  });

  it('sends one SUBSCRIBE for several observers of a filter, and one UNSUBSCRIBE after the last', async () => {
    const made = await connector();
    const first = made.subscribe('sensors/+/temp');
    const a = next(first);
    const b = next(first);
    const c = next(made.subscribe('sensors/+/temp', { decode: 'string', qos: 0 }));
    const subscription = first.subscribe();
    await made.whenSubscribed('sensors/+/temp');
    expect(packets.subscribes).toEqual([[{ filter: 'sensors/+/temp', qos: 0 }]]);
    await publish('sensors/kitchen/temp', '21.5');
    const [[ma], [mb], [mc]] = await Promise.all([a, b, c]);
    expect(ma?.payload).toBe(21.5);
    expect(mb).toBe(ma); // observers sharing a decoder share the message
    expect(mc?.payload).toBe('21.5');
    expect(packets.subscribes).toHaveLength(1);
    expect(packets.unsubscribes).toEqual([]);
    subscription.unsubscribe(); // the last observer (a, b, c completed through take(1))
    await eventually(() => packets.unsubscribes.length > 0);
    expect(packets.unsubscribes).toEqual([['sensors/+/temp']]);
  });

  it('raises the QoS with one more SUBSCRIBE and reports the granted QoS', async () => {
    const made = await connector();
    made.subscribe('q/x').subscribe();
    await expect(made.whenSubscribed('q/x')).resolves.toBe(0);
    made.subscribe('q/x', { qos: 1 }).subscribe();
    await expect(made.whenSubscribed('q/x')).resolves.toBe(1);
    expect(packets.subscribes).toEqual([[{ filter: 'q/x', qos: 0 }], [{ filter: 'q/x', qos: 1 }]]);
  });

  it('subscribes again after a broker restart, once per filter with its own QoS, and messages flow again', async () => {
    const made = await connector();
    const seen: MqttMessage<unknown>[] = [];
    const problems: unknown[] = [];
    made.subscribe('plant/+line/state', { qos: 1 }).subscribe({
      next: (m) => seen.push(m),
      error: (e) => problems.push(e),
      complete: () => problems.push('completed'),
    });
    const alarms: unknown[] = [];
    made
      .subscribe('plant/alarms')
      .subscribe({ next: (m) => alarms.push(m.payload), error: (e) => problems.push(e) });
    await made.whenSubscribed('plant/+/state');
    await made.whenSubscribed('plant/alarms');
    await publish('plant/1/state', '"running"');
    await eventually(() => seen.length === 1);

    await broker.restart();
    packets.subscribes = [];
    watch();
    await firstValueFrom(
      made.state$.pipe(
        filter((s) => s.status === 'connected'),
        timeout(WAIT_MS),
      ),
    );
    // The state may still read 'connected' from before the restart: wait for the restoring SUBSCRIBEs.
    await eventually(() => packets.subscribes.flat().length >= 2);
    await made.whenSubscribed('plant/+/state');
    await publisher.endAsync(true);
    await startPublisher();
    await publish('plant/2/state', '"stopped"');
    await eventually(() => seen.length === 2);
    expect(seen.map((m) => [m.payload, m.params])).toEqual([
      ['running', { line: '1' }],
      ['stopped', { line: '2' }],
    ]);
    // A round trip through the broker after the messages flow again: every packet the connector sent
    // before its own PUBLISH has been handled by then, so a late duplicate SUBSCRIBE would be counted.
    await made.publish('plant/alarms', 'round trip', { qos: 1 });
    await eventually(() => alarms.length === 1);
    expect(packets.subscribes.flat()).toEqual([
      { filter: 'plant/+/state', qos: 1 },
      { filter: 'plant/alarms', qos: 0 },
    ]);
    expect(problems).toEqual([]);
  });

  it('subscribes again before it flushes what was published while the broker was down: its own filter gets it all', async () => {
    const made = await connector();
    const own: MqttMessage<unknown>[] = [];
    made.subscribe('own/+n', { qos: 1 }).subscribe((m) => own.push(m));
    await made.whenSubscribed('own/+');
    await broker.close();
    await firstValueFrom(
      made.state$.pipe(
        filter((s) => s.status !== 'connected'),
        timeout(WAIT_MS),
      ),
    );
    // Queued while down; a fresh broker (no session) would drop any of them that came before the SUBSCRIBE.
    const sent = Array.from({ length: 20 }, (_, n) =>
      made.publish(`own/${n}`, n, { qos: n % 2 === 0 ? 1 : 0 }),
    );
    await broker.restart();
    packets = { subscribes: [], unsubscribes: [] };
    watch();
    await Promise.all(sent);
    await eventually(() => own.length === 20);
    // All of them; in order per QoS (aedes may deliver QoS 0 ahead of QoS 1: MQTT orders per QoS only).
    const got = own.map((m) => m.payload as number);
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(got.filter((n) => n % 2 === 0)).toEqual(Array.from({ length: 10 }, (_, k) => 2 * k));
    expect(got.filter((n) => n % 2 === 1)).toEqual(Array.from({ length: 10 }, (_, k) => 2 * k + 1));
    expect(own.every((m) => m.params['n'] === String(m.payload))).toBe(true);
    await made.publish('own/last', 'round trip', { qos: 1 });
    await eventually(() => own.length === 21);
    expect(packets.subscribes).toEqual([[{ filter: 'own/+', qos: 1 }]]);
  });

  it('skips a bad JSON payload mid-stream, reports it on errors$ and the log, and goes on', async () => {
    const logs: LogEntry[] = [];
    const made = await connector({ logger: (entry) => logs.push(entry), logLevel: 'warn' });
    const errors: MqttConnectorError[] = [];
    made.errors$.subscribe((error) => errors.push(error));
    const received = next(made.subscribe<{ n: number }>('jobs/+', { decode: 'json' }), 2);
    await made.whenSubscribed('jobs/+');
    await publish('jobs/1', '{"n":1}');
    await publish('jobs/2', '{"n":');
    await publish('jobs/3', '{"n":3}');
    expect((await received).map((m) => m.payload)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DecodeError);
    expect(errors[0]).toMatchObject({
      code: 'DECODE_FAILED',
      topic: 'jobs/2',
      raw: new TextEncoder().encode('{"n":'),
    });
    expect(logs.some((entry) => entry.level === 'warn' && entry.context['topic'] === 'jobs/2')).toBe(true);
  });

  it('gives a late observer the retained message, from the cache, without a second SUBSCRIBE', async () => {
    await publish('lamps/1/state', 'on', { retain: true });
    await publish('lamps/2/state', 'off', { retain: true });
    const made = await connector();
    const early = next(made.subscribe('lamps/+id/state', { decode: 'string' }), 2);
    const firstTwo = await early;
    expect(firstTwo.map((m) => [m.topic, m.payload, m.retain]).sort()).toEqual([
      ['lamps/1/state', 'on', true],
      ['lamps/2/state', 'off', true],
    ]);
    made.subscribe('lamps/+id/state').subscribe(); // keep the filter live
    const late = await next(made.subscribe('lamps/+lamp/state', { decode: 'string' }), 2);
    expect(late.map((m) => [m.topic, m.payload, m.retain, m.params]).sort()).toEqual([
      ['lamps/1/state', 'on', true, { lamp: '1' }],
      ['lamps/2/state', 'off', true, { lamp: '2' }],
    ]);
    expect(packets.subscribes).toEqual([[{ filter: 'lamps/+/state', qos: 0 }]]);
  });

  it('fills params from named wildcards; spellings that reduce to one filter share its SUBSCRIBE', async () => {
    const made = await connector();
    const byId = next(made.subscribe('devices/+id/#rest'));
    const byName = next(made.subscribe('devices/+name/#'));
    await made.whenSubscribed('devices/+/#');
    expect(packets.subscribes).toEqual([[{ filter: 'devices/+/#', qos: 0 }]]);
    await publish('devices/abc/telemetry/power', '42');
    const [[one], [two]] = await Promise.all([byId, byName]);
    expect(one?.params).toEqual({ id: 'abc', rest: 'telemetry/power' });
    expect(two?.params).toEqual({ name: 'abc' });
    expect(one?.topic).toBe('devices/abc/telemetry/power');
  });

  it('errors only the observers of a refused filter with SUBSCRIBE_REFUSED', async () => {
    await broker.restart({
      authorizeSubscribe: (_client, subscription, callback) =>
        callback(null, subscription.topic.startsWith('secret/') ? null : subscription),
    });
    watch();
    await publisher.endAsync(true); // its connection went with the old broker
    await startPublisher();
    const made = await connector();
    const refused = firstValueFrom(made.subscribe('secret/#')).catch((error: unknown) => error);
    const waiting = made.whenSubscribed('secret/#').catch((error: unknown) => error);
    const allowed = next(made.subscribe('open/#'));
    const errors: MqttConnectorError[] = [];
    made.errors$.subscribe((error) => errors.push(error));
    const error = await refused;
    expect(error).toBeInstanceOf(SubscribeRefusedError);
    expect(error).toMatchObject({ code: 'SUBSCRIBE_REFUSED', filter: 'secret/#', reasonCode: 0x80 });
    await expect(waiting).resolves.toBeInstanceOf(SubscribeRefusedError);
    expect(errors).toEqual([error]);
    await made.whenSubscribed('open/#');
    await publish('open/door', '1');
    expect((await allowed)[0]?.payload).toBe(1);
    expect(made.isConnected()).toBe(true);
  });

  it('keeps observers through a drop while the SUBACK is pending, and subscribes on the next connection', async () => {
    let held = 0;
    // The first broker never answers this SUBSCRIBE (authorization hangs); then it dies.
    await broker.restart({ authorizeSubscribe: () => void held++ });
    watch();
    const made = await connector();
    const seen: unknown[] = [];
    const problems: unknown[] = [];
    made.subscribe('slow/+').subscribe({ next: (m) => seen.push(m.payload), error: (e) => problems.push(e) });
    const granted = made.whenSubscribed('slow/+');
    await eventually(() => held === 1);
    await broker.restart({}); // a fresh broker that answers
    watch();
    await expect(granted).resolves.toBe(0);
    await publisher.endAsync(true);
    await startPublisher();
    await publish('slow/1', '"finally"');
    await eventually(() => seen.length === 1);
    expect(seen).toEqual(['finally']);
    expect(problems).toEqual([]);
  });

  it('sends nothing again after a reconnect that resumed the session, and messages keep flowing', async () => {
    const clientId = `resume-${Date.now()}`;
    const sockets = new Map<string, { destroy(): void }>();
    broker.broker.on('client', (client) => sockets.set(client.id, client.conn));
    const made = await connector({ clientId, clean: false });
    const seen: unknown[] = [];
    made.subscribe('resume/+', { qos: 1 }).subscribe((m) => seen.push(m.payload));
    await made.whenSubscribed('resume/+');
    expect(packets.subscribes).toHaveLength(1);
    sockets.get(clientId)?.destroy(); // the connection drops; the broker keeps the session
    await firstValueFrom(
      made.state$.pipe(
        filter((s) => s.status === 'reconnecting'),
        timeout(WAIT_MS),
      ),
    );
    const back = await firstValueFrom(
      made.state$.pipe(
        filter((s) => s.status === 'connected'),
        timeout(WAIT_MS),
      ),
    );
    expect(back.sessionPresent).toBe(true);
    await publish('resume/1', '1', { qos: 1 });
    await eventually(() => seen.length === 1);
    expect(packets.subscribes).toHaveLength(1);
  });

  it('delivers a stored session backlog that no filter claims on unmatched$ (and messages$)', async () => {
    const clientId = `backlog-${Date.now()}`;
    // A first run of the app left a session with a subscription behind.
    const previous = await mqtt.connectAsync(broker.url, { clientId, clean: false, reconnectPeriod: 0 });
    await previous.subscribeAsync('orders/#', { qos: 1 });
    await previous.endAsync();
    await publish('orders/17', '{"id":17}', { qos: 1 });

    const made = new MqttConnector({ mqttBroker: broker.url, clientId, clean: false, throttleInterval: 0 });
    connectors.push(made);
    const unmatched = next(made.unmatched$);
    const all = next(made.messages$);
    await made.connect();
    const [[backlog], [tapped]] = await Promise.all([unmatched, all]);
    expect(backlog).toMatchObject({ topic: 'orders/17', payload: { id: 17 }, params: {} });
    expect(tapped?.topic).toBe('orders/17');
  });
});
