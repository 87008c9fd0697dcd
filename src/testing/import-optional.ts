/**
 * Loads an optional peer dependency (aedes, ws) when the testing helpers first need it, so that importing
 * `mqtt-connector/testing` never fails by itself and the core package never loads them.
 *
 * @internal
 */
/// <reference types="node" />
import { MqttConnectorError } from '../connector/errors.js';

/**
 * A real dynamic `import()`, in both builds. aedes 1.x is ESM-only. TypeScript's CommonJS output rewrites
 * `import()` into `require()`, which cannot load an ES module before Node 20.19 (and warns on some later
 * versions); hiding the expression in a Function keeps it a genuine `import()` that Node resolves from this
 * file, as a static import would be. (Node-only code: no bundler or CSP ever sees this file.)
 */
const nativeImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

/**
 * Imports `specifier` and returns its namespace.
 *
 * Jest's CommonJS runtime has no dynamic-import callback without `--experimental-vm-modules`; there the
 * module's own `require` (Jest's, which transpiles ESM packages listed in its transform) takes over.
 *
 * @param specifier - the package name.
 * @param purpose - what it is needed for, used in the error message.
 * @throws MqttConnectorError with code `INVALID_OPTIONS` when the package is not installed (the message
 *   says how to install it) or fails to load (it says why); `cause` holds the loader's error.
 */
export async function importOptional<T>(specifier: string, purpose: string): Promise<T> {
  try {
    return (await nativeImport(specifier)) as T;
  } catch (error: unknown) {
    if (!isVmImportUnavailable(error) || typeof require !== 'function')
      throw loadFailed(specifier, purpose, error);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest's require, see above
      return require(specifier) as T;
    } catch (requireError: unknown) {
      throw loadFailed(specifier, purpose, requireError, jestHint(specifier));
    }
  }
}

/** What to do when Jest's CommonJS runtime cannot load an ESM-only package (aedes 1.x). */
const jestHint = (specifier: string): string =>
  `In Jest without native ESM, transpile it: transformIgnorePatterns ["/node_modules/(?!${specifier}/)"] ` +
  `and a transform for node_modules/${specifier}/*.js (see docs/testing.md), or run Jest on Node >= 24.9.`;

function isVmImportUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING');
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function loadFailed(specifier: string, purpose: string, cause: unknown, hint?: string): MqttConnectorError {
  const reason = String((cause as Error | undefined)?.message ?? cause);
  const message = isNotFound(cause)
    ? `${purpose} needs the optional peer dependency "${specifier}": npm install --save-dev ${specifier}`
    : `${purpose} could not load "${specifier}": ${reason}${hint ? `. ${hint}` : ''}`;
  return new MqttConnectorError('INVALID_OPTIONS', message, { cause });
}
