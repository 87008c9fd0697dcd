/**
 * Request/response over MQTT: a "calculator" service answers requests from a client, concurrently, and the
 * client gets each answer back for its own request, an error reply, and a timeout once the service is gone.
 *
 * On an MQTT 5 broker (Mosquitto, EMQX, HiveMQ) it uses the connector's `respond()` / `request()`, which
 * carry the reply topic and the correlation id in MQTT 5's Response Topic and Correlation Data properties:
 *
 * ```ts
 * service.respond<{ args: number[] }>('rpc/sum', (req) => req.payload.args.reduce((a, b) => a + b, 0)).subscribe();
 * const answer = await client.request<number>('rpc/sum', { args: [1, 2, 3] }, { timeout: 2000 });
 * ```
 *
 * Those properties do not exist in MQTT 3.1.1. On a 3.1.1-only broker, such as the embedded aedes, the
 * example says so and shows the same exchange with the reply topic and the id in the JSON payload instead,
 * which works on every MQTT version.
 *
 * Run it: `npm run example -- request-response` (against Mosquitto when it is installed, else aedes), or
 * `MQTT_URL=mqtt://localhost:1883 npx tsx examples/request-response.ts`.
 */
import { randomUUID } from 'node:crypto';
import { Subject, filter, firstValueFrom, mergeMap, take, throwError, timeout, timer } from 'rxjs';
import { z } from 'zod';
import { MqttConnector, TimeoutError, isMqttConnectorError, type MqttMessage } from '../src/index';
import { check } from './lib/check';

/** Tells the runner (`npm run example`) to use Mosquitto when installed: request() needs MQTT 5. */
export const preferredBroker = 'mosquitto';

const SERVICE = 'rpc/calculator/+method';
/** An answer: the result, or why there is none. */
type Answer = { result?: number; error?: string };
/** Calls a method of the service; resolves with its result, rejects with its error or a `TIMEOUT`. */
type Call = (method: string, args: number[], ms?: number) => Promise<number>;

/** The service's work. Bigger requests take longer, so answers come back out of order. */
async function compute(method: string | undefined, args: number[]): Promise<Answer> {
  await firstValueFrom(timer(args.length * 40));
  const answer: Answer =
    method === 'sum'
      ? { result: args.reduce((a, b) => a + b, 0) }
      : method === 'max'
        ? { result: Math.max(...args) }
        : { error: `unknown method ${method ?? ''}` };
  console.log(`service: ${method ?? ''}(${args.join(', ')}) -> ${JSON.stringify(answer)}`);
  return answer;
}

/** An answer as the caller's result: the number, or an Error with the service's reason. */
function resultOf(answer: Answer): number {
  if (answer.error !== undefined || answer.result === undefined) throw new Error(answer.error);
  return answer.result;
}

/** The exchange, the same on both protocols; every outcome is checked. */
async function exchange(call: Call, stopService: () => void): Promise<void> {
  const answers = await Promise.all([
    call('sum', [1, 2, 3, 4, 5, 6]),
    call('max', [7, 3, 9]),
    call('sum', [40, 2]),
  ]);
  check('answers, each matched to its own request', answers, [21, 9, 42]);
  const failure = await call('divide', [1, 0]).catch((error: unknown) => (error as Error).message);
  check('error reply', failure, 'unknown method divide');
  stopService(); // its subscription ends (UNSUBSCRIBE): nobody answers any more
  const late = await call('sum', [1], 300).catch((error: unknown) => error);
  check('no service: the call times out', isMqttConnectorError(late, 'TIMEOUT'), true);
  console.log(`no service: ${(late as TimeoutError).message}`);
}

/** MQTT 5: `respond()` on the service, `request()` on the client. */
async function withRequestResponse(service: MqttConnector, client: MqttConnector): Promise<void> {
  const served = service
    .respond<{ args: number[] }>(SERVICE, (request) => compute(request.params.method, request.payload.args), {
      concurrency: 8, // at most 8 requests in progress
    })
    .subscribe((served) => {
      // A handler that throws, or an answer that cannot be published, arrives here as a value.
      if (!served.ok)
        console.log(`service could not answer ${served.request.topic}: ${String(served.error)}`);
    });
  await service.whenSubscribed(SERVICE);
  const call: Call = async (method, args, ms = 2000) => {
    const response = await client.request<Answer>(`rpc/calculator/${method}`, { args }, { timeout: ms });
    return resultOf(response.payload);
  };
  await exchange(call, () => served.unsubscribe());
}

/** MQTT 3.1.1: the reply topic and the correlation id travel in the JSON payload. */
const JsonRequest = z.object({ id: z.string(), replyTo: z.string(), args: z.array(z.number()) });

async function withJsonEnvelope(service: MqttConnector, client: MqttConnector): Promise<void> {
  const served = service
    .subscribe(SERVICE, { qos: 1, decode: JsonRequest })
    .pipe(
      mergeMap(async ({ payload: request, params }) => {
        const answer = await compute(params.method, request.args);
        await service.publish(request.replyTo, { id: request.id, ...answer }, { qos: 1 });
      }, 8), // at most 8 requests in progress
    )
    .subscribe();
  await service.whenSubscribed(SERVICE);

  // One reply subscription, shared by all calls; each call waits for the reply with its id.
  const replyTo = 'rpc/replies/rpc-client';
  const replies = new Subject<MqttMessage<Answer & { id: string }>>();
  const subscription = client.subscribe<Answer & { id: string }>(replyTo, { qos: 1 }).subscribe(replies);
  const call: Call = async (method, args, ms = 2000) => {
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
    return resultOf((await reply).payload);
  };
  await exchange(call, () => served.unsubscribe());
  subscription.unsubscribe();
}

/** True when the broker accepts an MQTT 5 connection (aedes, MQTT 3.1.1 only, refuses it). */
async function speaksMqtt5(brokerUrl: string): Promise<boolean> {
  const probe = new MqttConnector({ mqttBroker: brokerUrl, protocolVersion: 5, maxReconnectAttempts: 0 });
  try {
    return await probe.connect();
  } finally {
    await probe.disconnect();
  }
}

export async function main(brokerUrl: string): Promise<void> {
  const mqtt5 = await speaksMqtt5(brokerUrl);
  console.log(
    mqtt5
      ? 'The broker speaks MQTT 5: using respond() and request().'
      : 'The broker speaks MQTT 3.1.1 only (the embedded aedes does): respond() and request() need MQTT 5, ' +
          'so this run carries the reply topic and the id in the JSON payload instead.',
  );
  const options = { mqttBroker: brokerUrl, throttleInterval: 0, protocolVersion: mqtt5 ? 5 : 4 } as const;
  const service = new MqttConnector({ ...options, clientId: 'calculator' });
  const client = new MqttConnector({ ...options, clientId: 'rpc-client' });
  await Promise.all([service.connect(), client.connect()]);
  try {
    await (mqtt5 ? withRequestResponse : withJsonEnvelope)(service, client);
  } finally {
    await Promise.all([service.disconnect(), client.disconnect()]);
  }
}

if (require.main === module) {
  main(process.env.MQTT_URL ?? 'mqtt://localhost:1883').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
