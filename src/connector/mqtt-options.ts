/**
 * The MQTT.js client options the connector uses, and the credentials resolved before each attempt.
 *
 * @internal
 */
import type { IClientOptions } from 'mqtt';
import type { BrokerEndpoint } from './broker-url.js';
import { ConnectionFailedError } from './errors.js';
import type { Logger } from './logger.js';
import type { ResolvedOptions } from './options.js';
import type { Provider } from './types.js';
import { encodeWillPayload } from './will.js';

/** MQTT.js options: one client for the connector's life, reconnection and resubscription owned by us. */
export function buildMqttOptions(options: ResolvedOptions): IClientOptions {
  const first = options.brokers[0];
  const properties = {
    ...(options.mqtt.properties ?? {}),
    ...(options.sessionExpiryInterval !== undefined && options.protocolVersion === 5
      ? { sessionExpiryInterval: options.sessionExpiryInterval }
      : {}),
  };
  const will = options.will;
  return {
    // MQTT.js's default (true) makes mqtt-packet fill a cache of 65,536 two-byte Buffers at the process's
    // first packet write: ~6.8 MB of heap for good and ~50 ms on the first connect, for no measurable gain
    // in throughput (bench/ANALYSIS.md). MQTT.js applies `false` process-wide; `mqtt: { writeCache: true }`
    // leaves that setting alone.
    writeCache: false,
    ...options.mqtt,
    ...tlsOptions(options),
    protocol: first?.protocol,
    host: first?.host,
    hostname: first?.host,
    port: first?.port,
    path: first?.path,
    clientId: options.clientId,
    protocolVersion: options.protocolVersion,
    clean: options.clean,
    keepalive: options.keepalive,
    connectTimeout: options.connectTimeout,
    manualConnect: true,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
    reconnectOnConnackError: false,
    ...(Object.keys(properties).length > 0 && options.protocolVersion === 5 ? { properties } : {}),
    ...(will
      ? {
          will: {
            topic: will.topic,
            payload: encodeWillPayload(will.payload, will.topic) as unknown as string,
            qos: will.qos ?? 0,
            retain: will.retain ?? false,
            ...(will.properties && options.protocolVersion === 5 ? { properties: will.properties } : {}),
          },
        }
      : {}),
  };
}

function tlsOptions(options: ResolvedOptions): Partial<IClientOptions> {
  const { ca, cert, key, passphrase, rejectUnauthorized = true, servername, ALPNProtocols } = options.tls;
  const out: Record<string, unknown> = { rejectUnauthorized };
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (passphrase !== undefined) out.passphrase = passphrase;
  if (servername !== undefined) out.servername = servername;
  if (ALPNProtocols !== undefined) out.ALPNProtocols = ALPNProtocols;
  return out as Partial<IClientOptions>;
}

/**
 * Resolves username and password for one attempt: the providers are called each time (token refresh),
 * credentials embedded in the broker URL are used when no option is given. Every resolved password is
 * registered with the logger so it can never appear in a log entry.
 */
export async function resolveCredentials(
  options: ResolvedOptions,
  broker: BrokerEndpoint,
  logger: Logger,
): Promise<{ username: string | undefined; password: string | undefined }> {
  let username: string | undefined;
  let password: string | Uint8Array | undefined;
  try {
    [username, password] = await Promise.all([resolve(options.username), resolve(options.password)]);
  } catch (error) {
    throw new ConnectionFailedError('The credentials provider failed', { cause: error });
  }
  username ??= broker.username;
  password ??= broker.password;
  logger.addSecret(password);
  // MQTT.js writes a Uint8Array password as bytes; its types name Buffer and string.
  return { username, password: password as string | undefined };
}

async function resolve<T>(provider: Provider<T>): Promise<T> {
  return typeof provider === 'function' ? await (provider as () => T | Promise<T>)() : provider;
}
