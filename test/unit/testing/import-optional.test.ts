/**
 * Loading the optional peer dependencies: found (through Jest's require, since Jest's CommonJS runtime has
 * no dynamic import), missing (says how to install), and present but not loadable (says why, with the Jest
 * hint). The real import() path of the built packages is checked by `npm run check:testing-build`.
 */
import { join } from 'node:path';
import type * as Aedes from 'aedes';
import type * as Rxjs from 'rxjs';
import { MqttConnectorError } from '../../../src/index';
import { importOptional } from '../../../src/testing/import-optional';

describe('importOptional', () => {
  it('loads an installed package', async () => {
    const rxjs = await importOptional<typeof Rxjs>('rxjs', 'this test');
    expect(typeof rxjs.Observable).toBe('function');
  });

  it('loads aedes (ESM-only) in Jest through the transform of jest.config.ts', async () => {
    const aedes = await importOptional<typeof Aedes>('aedes', 'this test');
    expect(typeof aedes.Aedes.createBroker).toBe('function');
  });

  it('says how to install a missing package', async () => {
    const error = await importOptional('mqtt-connector-no-such-package', 'startBroker()').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MqttConnectorError);
    expect(error).toMatchObject({
      code: 'INVALID_OPTIONS',
      message:
        'startBroker() needs the optional peer dependency "mqtt-connector-no-such-package": ' +
        'npm install --save-dev mqtt-connector-no-such-package',
    });
    expect((error as Error & { cause: unknown }).cause).toBeDefined();
  });

  it('says why a package that is present could not be loaded, with the Jest hint', async () => {
    const fixture = join(__dirname, 'fixtures', 'esm-only.mjs');
    const error = await importOptional(fixture, 'startBroker()').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect((error as Error).message).toMatch(
      /^startBroker\(\) could not load ".*esm-only\.mjs": [\s\S]+In Jest without native ESM/,
    );
  });
});
