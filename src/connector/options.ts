import type { IClientOptions } from 'mqtt';
import { type BrokerEndpoint, parseBrokers } from './broker-url.js';
import { InvalidOptionsError } from './errors.js';
import { isLogLevel } from './logger.js';
import type {
  Jitter,
  LogCallback,
  LogLevel,
  MqttConnectorOptions,
  Provider,
  TlsOptions,
  WillOptions,
} from './types.js';

/** The connector's options after validation, with every default filled in. @internal */
export interface ResolvedOptions {
  readonly brokers: readonly BrokerEndpoint[];
  readonly clientId: string;
  readonly reconnect: {
    readonly initialDelay: number;
    readonly maxDelay: number;
    readonly multiplier: number;
    readonly jitter: Jitter;
    readonly maxRetries: number;
  };
  readonly throttleInterval: number;
  readonly username: Provider<string | undefined>;
  readonly password: Provider<string | Uint8Array | undefined>;
  readonly protocolVersion: 4 | 5;
  readonly clean: boolean;
  readonly sessionExpiryInterval: number | undefined;
  readonly keepalive: number;
  readonly connectTimeout: number;
  readonly will: WillOptions | undefined;
  readonly tls: TlsOptions;
  readonly noDelay: boolean;
  readonly logLevel: LogLevel;
  readonly logger: LogCallback | undefined;
  readonly mqtt: Partial<IClientOptions>;
}

/** MQTT.js options that the connector manages itself; setting them through `mqtt` would break it. */
const OWNED_MQTT_OPTIONS = [
  'reconnectPeriod',
  'manualConnect',
  'resubscribe',
  'queueQoSZero',
  'clientId',
  'protocolVersion',
  'clean',
  'keepalive',
  'connectTimeout',
  'will',
  'username',
  'password',
  'incomingStore',
  'outgoingStore',
  'servers',
  'host',
  'hostname',
  'port',
  'protocol',
  'path',
  'reconnectOnConnackError',
  // Set from `tls.rejectUnauthorized` (default true): through the escape hatch it would be overridden
  // silently, or (if honoured) turn certificate checks off in a place that security reviews do not look.
  'rejectUnauthorized',
] as const;

const KNOWN_OPTIONS = new Set<string>([
  'mqttBroker',
  'mqttPort',
  'clientId',
  'reconnectInterval',
  'maxReconnectInterval',
  'reconnectMultiplier',
  'reconnectJitter',
  'maxReconnectAttempts',
  'throttleInterval',
  'username',
  'password',
  'protocolVersion',
  'clean',
  'sessionExpiryInterval',
  'keepalive',
  'connectTimeout',
  'will',
  'tls',
  'noDelay',
  'logLevel',
  'logger',
  'mqtt',
]);

/** Options validated by the publish pipeline and the subscription registry themselves. */
export const DATA_PATH_OPTIONS = [
  'throttleMode',
  'topicThrottle',
  'maxQueued',
  'overflow',
  'encoder',
  'maxInFlight',
  'maxPendingWrites',
  'publishTimeout',
  'disconnectTimeout',
  'unsubscribeGracePeriod',
  'maxRetained',
  'maxRetainedBytes',
  'responseTopic',
  'subscribeBatchSize',
  'maxRestoreAttempts',
] as const;

/**
 * Validates the connector's options and fills in defaults.
 *
 * @param extraKeys - option names handled by other parts of the connector (publishing, subscriptions).
 * @throws InvalidOptionsError naming the option, what was given and what is allowed.
 * @internal
 */
export function resolveOptions(
  options: MqttConnectorOptions,
  extraKeys: readonly string[] = [],
  randomHex: () => string = defaultRandomHex,
): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(
      `options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key) && !extraKeys.includes(key));
  if (unknown.length > 0) {
    throw new InvalidOptionsError(`Unknown option(s): ${unknown.join(', ')}`);
  }
  const mqttPort = optionalInteger(options.mqttPort, 'mqttPort', 1, 65_535);
  const protocolVersion = options.protocolVersion ?? 4;
  if (protocolVersion !== 4 && protocolVersion !== 5) {
    throw new InvalidOptionsError(
      `protocolVersion must be 4 (MQTT 3.1.1) or 5, got ${String(protocolVersion)}`,
    );
  }
  const clean = options.clean ?? true;
  if (typeof clean !== 'boolean') throw new InvalidOptionsError('clean must be a boolean');
  const clientId = options.clientId ?? `mqtt_connector_${randomHex()}`;
  if (typeof clientId !== 'string' || (clientId === '' && !clean)) {
    throw new InvalidOptionsError('clientId must be a string, and not empty when clean is false');
  }
  const jitter = options.reconnectJitter ?? 'equal';
  if (jitter !== 'none' && jitter !== 'equal' && jitter !== 'full') {
    throw new InvalidOptionsError(`reconnectJitter must be 'none', 'equal' or 'full', got ${String(jitter)}`);
  }
  const logLevel = options.logLevel ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new InvalidOptionsError(
      `logLevel must be 'debug', 'info', 'warn' or 'error', got ${String(logLevel)}`,
    );
  }
  if (options.logger !== undefined && typeof options.logger !== 'function') {
    throw new InvalidOptionsError('logger must be a function (entry) => void');
  }
  // At least 1 ms: 0 would make every retry immediate, a tight loop against the broker (forever with the
  // default maxReconnectAttempts -1, and on every accept-then-drop, such as a client id taken over).
  const initialDelay = duration(options.reconnectInterval, 'reconnectInterval', 5000, {
    min: 1,
    why: '0 would retry at once, in a tight loop',
  });
  const maxDelay = duration(options.maxReconnectInterval, 'maxReconnectInterval', 120_000);
  if (maxDelay < initialDelay) {
    throw new InvalidOptionsError(
      `maxReconnectInterval (${maxDelay} ms) must not be below reconnectInterval (${initialDelay} ms)`,
    );
  }
  const multiplier = options.reconnectMultiplier ?? 2;
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1) {
    throw new InvalidOptionsError(`reconnectMultiplier must be a number >= 1, got ${String(multiplier)}`);
  }
  const maxRetries = options.maxReconnectAttempts ?? -1;
  if (!Number.isInteger(maxRetries) || maxRetries < -1) {
    throw new InvalidOptionsError(
      `maxReconnectAttempts must be an integer >= 0, or -1 for no limit, got ${String(maxRetries)}`,
    );
  }
  return {
    brokers: parseBrokers(options.mqttBroker ?? 'localhost', mqttPort),
    clientId,
    reconnect: { initialDelay, maxDelay, multiplier, jitter, maxRetries },
    throttleInterval: duration(options.throttleInterval, 'throttleInterval', 100),
    username: provider(options.username, 'username'),
    password: provider(options.password, 'password'),
    protocolVersion,
    clean,
    sessionExpiryInterval: optionalInteger(
      options.sessionExpiryInterval,
      'sessionExpiryInterval',
      0,
      0xffffffff,
    ),
    keepalive: optionalInteger(options.keepalive, 'keepalive', 0, 65_535) ?? 60,
    connectTimeout: duration(options.connectTimeout, 'connectTimeout', 10_000),
    will: validateWill(options.will),
    tls: validateObject(options.tls, 'tls') ?? {},
    noDelay: validateBoolean(options.noDelay, 'noDelay') ?? true,
    logLevel,
    logger: options.logger,
    mqtt: validateEscapeHatch(options.mqtt),
  };
}

/** A number >= 0 (ms, count or bytes; Infinity allowed), or `fallback` when undefined. @throws InvalidOptionsError */
export function nonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidOptionsError(`${name} must be a number >= 0, got ${String(value)}`);
  }
  return value;
}

/** A whole number >= 0 or -1 (no limit), or `fallback` when undefined. @throws InvalidOptionsError */
export function attemptLimit(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
    throw new InvalidOptionsError(
      `${name} must be an integer >= 0, or -1 for no limit, got ${String(value)}`,
    );
  }
  return value;
}

/** A whole number >= 1, or `fallback` when undefined. @throws InvalidOptionsError */
export function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionsError(`${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

function duration(
  value: unknown,
  name: string,
  fallback: number,
  { min = 0, why }: { min?: number; why?: string } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionsError(
      `${name} must be a finite number of milliseconds >= ${min}${why ? ` (${why})` : ''}, got ${String(value)}`,
    );
  }
  return value;
}

function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function validateBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new InvalidOptionsError(`${name} must be a boolean`);
  return value;
}

function validateObject<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new InvalidOptionsError(`${name} must be an object`);
  }
  return value;
}

function provider<T>(value: Provider<T> | undefined, name: string): Provider<T | undefined> {
  const ok =
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'string' ||
    value instanceof Uint8Array;
  if (!ok) throw new InvalidOptionsError(`${name} must be a string, bytes, or a function returning one`);
  return value;
}

function validateWill(will: WillOptions | undefined): WillOptions | undefined {
  if (validateObject(will, 'will') === undefined) return undefined;
  const { topic, qos = 0, retain = false } = will as WillOptions;
  if (typeof topic !== 'string' || topic === '' || /[+#\0]/.test(topic)) {
    throw new InvalidOptionsError('will.topic must be a non-empty topic name without +, # or NUL');
  }
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidOptionsError('will.qos must be 0, 1 or 2');
  if (typeof retain !== 'boolean') throw new InvalidOptionsError('will.retain must be a boolean');
  return will;
}

function validateEscapeHatch(mqtt: Partial<IClientOptions> | undefined): Partial<IClientOptions> {
  if (validateObject(mqtt, 'mqtt') === undefined) return {};
  const owned = OWNED_MQTT_OPTIONS.filter((key) => key in (mqtt as object));
  if (owned.length > 0) {
    throw new InvalidOptionsError(
      `mqtt.${owned.join(', mqtt.')} cannot be set through the escape hatch: the connector manages ` +
        `${owned.length > 1 ? 'them' : 'it'} (use the connector's own options instead` +
        `${owned.includes('rejectUnauthorized') ? ': tls.rejectUnauthorized' : ''})`,
    );
  }
  return mqtt as Partial<IClientOptions>;
}

function defaultRandomHex(): string {
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}
