import { Subject, filter, firstValueFrom, toArray, take, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { sendRequest, serveRequests, type Messaging } from '../../../src/streams/request-response';
import type { MqttMessage, MessageProperties, QoS } from '../../../src/connector/types';
import type { PublishOptions, PublishResult } from '../../../src/streams/publish-types';

/** An in-memory loopback "broker": publish() delivers to subscribers of the exact topic. */
function loopback(): Messaging & {
  published: { topic: string; message: unknown; options?: PublishOptions }[];
} {
  const bus = new Subject<MqttMessage<unknown>>();
  const published: { topic: string; message: unknown; options?: PublishOptions }[] = [];
  return {
    published,
    subscribe<T>(topicFilter: string): Observable<MqttMessage<T>> {
      return bus.pipe(filter((m) => m.topic === topicFilter)) as Observable<MqttMessage<T>>;
    },
    whenSubscribed: async (): Promise<QoS> => 1,
    async publish(topic, message, options): Promise<PublishResult> {
      published.push({ topic, message, options });
      const result: PublishResult = {
        topic,
        qos: options?.qos ?? 0,
        retain: false,
        bytes: 0,
        status: 'acknowledged',
        reasonCode: 0,
      };
      const properties: MessageProperties | undefined = options?.properties;
      queueMicrotask(() =>
        bus.next({
          topic,
          payload: message,
          raw: new Uint8Array(),
          qos: 1,
          retain: false,
          dup: false,
          params: {},
          properties,
        }),
      );
      return result;
    },
  };
}

const context = { protocolVersion: 5 as const, responseTopic: 'responses/me' };

describe('request/response', () => {
  it('answers a request through a responder and matches the correlation data', async () => {
    const messaging = loopback();
    const served = serveRequests<{ a: number; b: number }>(messaging, 'svc/add', (req) => ({
      sum: req.payload.a + req.payload.b,
    }));
    const log = firstValueFrom(served.pipe(take(2), toArray()));
    const [one, two] = await Promise.all([
      sendRequest<{ sum: number }>(messaging, context, 'svc/add', { a: 1, b: 2 }),
      sendRequest<{ sum: number }>(messaging, context, 'svc/add', { a: 10, b: 20 }),
    ]);
    expect(one.payload).toEqual({ sum: 3 });
    expect(two.payload).toEqual({ sum: 30 });
    const requests = messaging.published.filter((p) => p.topic === 'svc/add');
    expect(requests).toHaveLength(2);
    expect(requests[0]?.options?.properties?.responseTopic).toBe('responses/me');
    expect(requests[0]?.options?.properties?.correlationData).toHaveLength(16);
    expect((await log).every((s) => s.ok)).toBe(true);
  });

  it('emits a handler failure as a value and keeps serving', async () => {
    const messaging = loopback();
    const served = serveRequests<number>(messaging, 'svc/div', (req) => {
      if (req.payload === 0) throw new Error('division by zero');
      return 1 / req.payload;
    });
    const outcomes = firstValueFrom(served.pipe(take(2), toArray()));
    void sendRequest(messaging, { ...context }, 'svc/div', 0, { timeout: 50 }).catch(() => undefined);
    await expect(sendRequest<number>(messaging, context, 'svc/div', 4)).resolves.toMatchObject({
      payload: 0.25,
    });
    const [failed, ok] = await outcomes;
    expect(failed).toMatchObject({ ok: false });
    expect(ok).toMatchObject({ ok: true });
  });

  it('times out with TIMEOUT when nobody answers (virtual time)', () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    const messaging = loopback();
    let error: unknown;
    scheduler.run(() => {
      sendRequest(messaging, { ...context, scheduler }, 'nobody/home', 'ping', { timeout: 2000 }).catch(
        (e) => (error = e),
      );
    });
    return Promise.resolve().then(() => {
      expect(error).toMatchObject({ code: 'TIMEOUT' });
    });
  });

  it('refuses MQTT 3.1.1 with a clear INVALID_ARGUMENT', async () => {
    await expect(sendRequest(loopback(), { ...context, protocolVersion: 4 }, 't', 'x')).rejects.toMatchObject(
      {
        code: 'INVALID_ARGUMENT',
      },
    );
  });
});
