/**
 * Injection tokens for connectors: the default one and one per name.
 *
 * @packageDocumentation
 */
import { InjectionToken } from '@angular/core';
import type { MqttConnector } from '../connector/mqtt-connector.js';
import { InvalidArgumentError } from '../connector/errors.js';

/**
 * The token of the default connector, the one `provideMqttConnector(options)` provides when no `name` or
 * `token` is given.
 *
 * @example
 * ```ts
 * const connector = inject(MQTT_CONNECTOR);
 * ```
 */
export const MQTT_CONNECTOR = new InjectionToken<MqttConnector>('MQTT_CONNECTOR');

// One token per name for the life of the page, so that every call with the same name meets the same
// provider. Names are a handful of strings chosen by the application: the map stays small.
const namedTokens = new Map<string, InjectionToken<MqttConnector>>();

/**
 * The token of the connector named `name` (the same token object on every call with that name). Use it
 * where `inject()` needs a token, e.g. in a `deps` array or with `@Inject`; {@link injectMqttConnector}
 * takes the name directly.
 *
 * @param name - a non-empty name, e.g. `'telemetry'`.
 * @returns the token that `provideMqttConnector(options, { name })` provides.
 * @throws InvalidArgumentError when `name` is not a non-empty string.
 *
 * @example
 * ```ts
 * const telemetry = inject(mqttConnectorToken('telemetry'));
 * ```
 */
export function mqttConnectorToken(name: string): InjectionToken<MqttConnector> {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError(
      `A connector name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  }
  let token = namedTokens.get(name);
  if (!token) {
    token = new InjectionToken<MqttConnector>(`MQTT_CONNECTOR:${name}`);
    namedTokens.set(name, token);
  }
  return token;
}

/** Which connector: the default one (undefined), a name, or a token of your own. */
export type MqttConnectorRef = string | InjectionToken<MqttConnector> | undefined;

/** The token a {@link MqttConnectorRef} stands for. @internal */
export function tokenFor(ref: MqttConnectorRef): InjectionToken<MqttConnector> {
  if (ref === undefined) return MQTT_CONNECTOR;
  return typeof ref === 'string' ? mqttConnectorToken(ref) : ref;
}

/** How a {@link MqttConnectorRef} reads in an error message. @internal */
export function describeRef(ref: MqttConnectorRef): string {
  if (ref === undefined) return 'the default connector (MQTT_CONNECTOR)';
  return typeof ref === 'string'
    ? `the connector named ${JSON.stringify(ref)}`
    : `the token ${ref.toString()}`;
}
