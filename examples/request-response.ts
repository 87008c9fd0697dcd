/**
 * Request/response over MQTT: a "calculator" service answers requests from a client, concurrently, and the
 * client matches each answer to its request by a correlation id.
 *
 * Against the embedded broker (aedes, which speaks MQTT 3.1.1 only), the reply topic and the correlation
 * id travel in the JSON payload, which works on every MQTT version. With an MQTT 5 broker (Mosquitto,
 * EMQX, HiveMQ; `protocolVersion: 5`) use the connector's built-in `request()` / `respond()` instead: they
 * carry them in the standard Response Topic and Correlation Data properties:
 *
 * ```ts
 * service.respond<{ args: number[] }>('rpc/sum', (req) => req.payload.args.reduce((a, b) => a + b, 0)).subscribe();
 * const answer = await client.request<number>('rpc/sum', { args: [1, 2, 3] }, { timeout: 2000 });
 * ```
 *
 * Run it: `npm run example -- request-response`, or
 * `MQTT_URL=mqtt://localhost:1883 npx tsx examples/request-response.ts`.
 */
import { randomUUID } from 'node:crypto';
import { Subject, filter, firstValueFrom, mergeMap, take, throwError, timeout, timer } from 'rxjs';
import { z } from 'zod';
import { MqttConnector, TimeoutError, type MqttMessage } from '../src/index';

/** A request: what to compute, where to answer and the id that ties the answer to it. */
const Request = z.object({
  id: z.string(),
  replyTo: z.string(),
  args: z.array(z.number()),
});
/** An answer: the id of its request and the result (or why there is none). */
type Reply = { id: string; result?: number; error?: string };

const SERVICE = 'rpc/calculator/+method';

/** The service: one subscription, each request handled as it comes (concurrently), answered on `replyTo`. */
function serve(service: MqttConnector) {
  return service.subscribe(SERVICE, { qos: 1, decode: Request }).pipe(
    mergeMap(async ({ payload: request, params }) => {
      // Bigger requests take longer, so answers come back out of order.
      await firstValueFrom(timer(request.args.length * 40));
      const reply: Reply =
        params.method === 'sum'
          ? { id: request.id, result: request.args.reduce((a, b) => a + b, 0) }
          : params.method === 'max'
            ? { id: request.id, result: Math.max(...request.args) }
            : { id: request.id, error: `unknown method ${params.method}` };
      await service.publish(request.replyTo, reply, { qos: 1 });
      return `${params.method}(${request.args.join(', ')})`;
    }, 8), // at most 8 requests in progress
  );
}

/**
 * The client side: one reply subscription, held for the caller's life and shared by all calls; each call
 * waits for the reply with its id.
 */
function makeCaller(client: MqttConnector, replyTo: string) {
  const replies = new Subject<MqttMessage<Reply>>();
  const subscription = client.subscribe<Reply>(replyTo, { qos: 1 }).subscribe(replies);
  const call = async (method: string, args: number[], ms = 2000): Promise<number> => {
    const id = randomUUID();
    const reply = firstValueFrom(
      replies.pipe(
        filter((m) => m.payload.id === id),
        take(1),
        timeout({
          first: ms,
          with: () => throwError(() => new TimeoutError(`${method}: no reply in ${ms} ms`)),
        }),
      ),
    );
    await client.whenSubscribed(replyTo);
    await client.publish(`rpc/calculator/${method}`, { id, replyTo, args }, { qos: 1 });
    const { payload } = await reply;
    if (payload.error !== undefined || payload.result === undefined) throw new Error(payload.error);
    return payload.result;
  };
  return { call, close: () => subscription.unsubscribe() };
}

export async function main(brokerUrl: string): Promise<void> {
  const service = new MqttConnector({ mqttBroker: brokerUrl, clientId: 'calculator', throttleInterval: 0 });
  const client = new MqttConnector({ mqttBroker: brokerUrl, clientId: 'rpc-client', throttleInterval: 0 });
  await Promise.all([service.connect(), client.connect()]);

  const served = serve(service).subscribe((what) => console.log(`service answered ${what}`));
  await service.whenSubscribed(SERVICE);

  const { call, close } = makeCaller(client, 'rpc/replies/rpc-client');
  const answers = await Promise.all([
    call('sum', [1, 2, 3, 4, 5, 6]),
    call('max', [7, 3, 9]),
    call('sum', [40, 2]),
  ]);
  console.log('answers, each matched to its request:', answers);

  try {
    await call('divide', [1, 0]);
  } catch (error) {
    console.log('error reply:', (error as Error).message);
  }
  served.unsubscribe(); // the service stops: its subscription ends (UNSUBSCRIBE)
  try {
    await call('sum', [1], 300);
  } catch (error) {
    console.log(`no service: ${(error as TimeoutError).code}: ${(error as Error).message}`);
  }
  close();

  await Promise.all([service.disconnect(), client.disconnect()]);
}

if (require.main === module) {
  main(process.env.MQTT_URL ?? 'mqtt://localhost:1883').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
