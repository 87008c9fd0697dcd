/**
 * The `users` shortcut of `startBroker()`: an aedes `authenticate` hook that accepts a fixed table of
 * credentials.
 *
 * @internal
 */
/// <reference types="node" />
import type { AedesOptions, AuthenticateError } from 'aedes' with { 'resolution-mode': 'import' };

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;

/** MQTT 3.1.1 CONNACK return code 4: bad user name or password. */
const BAD_USERNAME_OR_PASSWORD = 4;

/**
 * An aedes `authenticate` hook that accepts exactly the given `{ username: password }` pairs and refuses
 * everything else (anonymous connections included) with CONNACK return code 4.
 */
export function usersAuthenticator(users: Readonly<Record<string, string>>): AuthenticateHandler {
  const table = new Map(Object.entries(users));
  return (_client, username, password, done) => {
    const expected = username === undefined ? undefined : table.get(username);
    if (expected !== undefined && password !== undefined && password.toString('utf8') === expected) {
      done(null, true);
      return;
    }
    const error = Object.assign(new Error('Bad username or password'), {
      returnCode: BAD_USERNAME_OR_PASSWORD,
    }) as AuthenticateError;
    done(error, null);
  };
}
