/**
 * `provideMqttConnector()`: a connector as an environment provider for standalone Angular applications.
 *
 * @packageDocumentation
 */
import {
  DestroyRef,
  type EnvironmentProviders,
  type InjectionToken,
  type Provider,
  inject,
  makeEnvironmentProviders,
  provideEnvironmentInitializer,
} from '@angular/core';
import { InvalidOptionsError } from '../connector/errors.js';
import { type DisconnectOptions, MqttConnector } from '../connector/mqtt-connector.js';
import type { MqttConnectorOptions } from '../connector/types.js';
import { MQTT_CONNECTOR, mqttConnectorToken } from './tokens.js';

/**
 * Makes the connector's options (or the connector itself) when the connector is first injected. It runs in
 * an injection context, so it may call `inject()`, e.g. to read a configuration token or `PLATFORM_ID`.
 */
export type MqttConnectorFactory = () => MqttConnectorOptions | MqttConnector;

/** How `provideMqttConnector()` provides, connects and ends the connector. */
export interface ProvideMqttConnectorConfig {
  /**
   * Provide a named connector (get it with `injectMqttConnector(name)` or `inject(mqttConnectorToken(name))`)
   * instead of the default one (`MQTT_CONNECTOR`). Do not combine with `token`.
   */
  name?: string;
  /** Provide the connector under a token of your own instead of `MQTT_CONNECTOR`. Do not combine with `name`. */
  token?: InjectionToken<MqttConnector>;
  /**
   * Call `connect()` as soon as the connector is created (default `true`). A function runs in the injection
   * context and decides then, e.g. `() => isPlatformBrowser(inject(PLATFORM_ID))` to stay offline during
   * server-side rendering. With `false`, call `connector.connect()` yourself.
   */
  connect?: boolean | (() => boolean);
  /**
   * Create (and connect) the connector when the application's injector is created (default `false`: when
   * something first injects it, which is usually the first component anyway).
   */
  eager?: boolean;
  /**
   * How to disconnect when the injector is destroyed (the application is destroyed): the options given to
   * `disconnect()` (default `{}`: flush what is queued for at most `disconnectTimeout` ms, then DISCONNECT).
   */
  disconnectOnDestroy?: DisconnectOptions;
}

/**
 * Provides an {@link MqttConnector} to a standalone Angular application (or to any environment injector,
 * such as a lazy route's). The connector is created on first injection (or at start with `eager: true`),
 * connects at once unless `connect: false`, and is disconnected when that injector is destroyed
 * (`ApplicationRef.destroy()`, a route's injector going away).
 *
 * Several connectors live side by side under different names or tokens; each call provides one.
 *
 * @param options - the connector's options, or a {@link MqttConnectorFactory} that returns options or a
 *   connector (it runs in an injection context). A connector the factory returns belongs to the injector
 *   as well: it is connected (unless `connect: false`) and disconnected on destroy.
 * @param config - name or token, connect and destroy behaviour; see {@link ProvideMqttConnectorConfig}.
 * @returns environment providers for `bootstrapApplication`'s `providers`, or a route's `providers`.
 * @throws InvalidOptionsError at once when both `name` and `token` are given or `name` is empty; the
 *   connector's own `InvalidOptionsError` surfaces when it is first injected.
 *
 * @example
 * ```ts
 * bootstrapApplication(AppComponent, {
 *   providers: [
 *     provideMqttConnector({ mqttBroker: 'wss://broker.example.com:8084/mqtt' }),
 *     provideMqttConnector(() => inject(TELEMETRY_OPTIONS), { name: 'telemetry' }),
 *   ],
 * });
 * // in a component or service:
 * const connector = inject(MQTT_CONNECTOR);
 * const telemetry = injectMqttConnector('telemetry');
 * ```
 */
export function provideMqttConnector(
  options: MqttConnectorOptions | MqttConnectorFactory,
  config: ProvideMqttConnectorConfig = {},
): EnvironmentProviders {
  const token = providedToken(config);
  const provider: Provider = { provide: token, useFactory: () => createConnector(options, config) };
  const providers: (Provider | EnvironmentProviders)[] = [provider];
  if (config.eager) providers.push(provideEnvironmentInitializer(() => void inject(token)));
  return makeEnvironmentProviders(providers);
}

function providedToken(config: ProvideMqttConnectorConfig): InjectionToken<MqttConnector> {
  if (config.name !== undefined && config.token !== undefined) {
    throw new InvalidOptionsError('provideMqttConnector: give either `name` or `token`, not both');
  }
  if (config.name !== undefined) {
    if (typeof config.name !== 'string' || config.name.trim() === '') {
      throw new InvalidOptionsError('provideMqttConnector: `name` must be a non-empty string');
    }
    return mqttConnectorToken(config.name);
  }
  return config.token ?? MQTT_CONNECTOR;
}

/** Runs in the injection context of the injector that owns the connector. */
function createConnector(
  options: MqttConnectorOptions | MqttConnectorFactory,
  config: ProvideMqttConnectorConfig,
): MqttConnector {
  const made = typeof options === 'function' ? options() : options;
  const connector = isConnector(made) ? made : new MqttConnector(made);
  // The injector that runs this factory owns the connector: its DestroyRef fires when it is destroyed.
  inject(DestroyRef).onDestroy(() => {
    // disconnect() never leaves a promise rejection behind that the app could act on; swallow to be sure.
    connector.disconnect(config.disconnectOnDestroy).catch(() => undefined);
  });
  const connect = typeof config.connect === 'function' ? config.connect() : (config.connect ?? true);
  if (connect) void connector.connect();
  return connector;
}

/**
 * True for a connector (also one from another copy of this package, e.g. the CommonJS build), false for
 * an options object, which never has these methods.
 */
function isConnector(value: MqttConnectorOptions | MqttConnector): value is MqttConnector {
  if (value instanceof MqttConnector) return true;
  const candidate = value as Partial<Record<'connect' | 'disconnect' | 'subscribe', unknown>>;
  return (
    typeof candidate.connect === 'function' &&
    typeof candidate.disconnect === 'function' &&
    typeof candidate.subscribe === 'function'
  );
}
