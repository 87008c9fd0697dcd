/**
 * Helpers for the Angular tests: a real root environment injector (Angular's own R3Injector, no mock)
 * and waits on a connector's state.
 */
import { EnvironmentInjector, Injector } from '@angular/core';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { ConnectionStatus, MqttConnector } from '../../src/index';

/** A root environment injector, like the platform injector an application's injector hangs from. */
export function rootInjector(): EnvironmentInjector {
  const injector = Injector.create({ providers: [], name: 'test-root' });
  if (!(injector instanceof EnvironmentInjector))
    throw new Error('Injector.create() gave no EnvironmentInjector');
  return injector;
}

/** Resolves when the connector reaches `status` (the timeout only bounds a broken run). */
export function reach(connector: MqttConnector, status: ConnectionStatus, ms = 5000): Promise<unknown> {
  return firstValueFrom(
    connector.state$.pipe(
      filter((state) => state.status === status),
      timeout(ms),
    ),
  );
}

/** The ids of the clients connected to an aedes broker (its `clients` map is missing from aedes' types). */
export function clientIds(broker: object): string[] {
  return Object.keys((broker as { clients: Record<string, unknown> }).clients);
}
