import { Logger } from '../../../src/connector/logger';
import { ConnectionRefusedError } from '../../../src/connector/errors';
import type { LogEntry } from '../../../src/connector/types';

describe('Logger', () => {
  const make = (level: 'debug' | 'info' | 'warn' | 'error' = 'debug') => {
    const entries: LogEntry[] = [];
    const logger = new Logger(
      level,
      (e) => entries.push(e),
      () => 42,
    );
    return { logger, entries };
  };

  it('filters by level', () => {
    const { logger, entries } = make('warn');
    logger.log('debug', 'd');
    logger.log('info', 'i');
    logger.log('warn', 'w');
    logger.log('error', 'e');
    expect(entries.map((e) => e.message)).toEqual(['w', 'e']);
    expect(entries[0]).toEqual({ level: 'warn', message: 'w', context: {}, time: 42 });
  });

  it('keeps a context key named "__proto__" as an ordinary, redacted field', () => {
    const { logger, entries } = make();
    // JSON.parse makes "__proto__" an own key, as data from the network or a config file would
    logger.log(
      'info',
      'm',
      JSON.parse('{"__proto__": {"password": "pw", "note": "n"}}') as Record<string, unknown>,
    );
    const context = entries[0]?.context as object;
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
    expect(JSON.stringify(context)).toBe('{"__proto__":{"password":"[redacted]","note":"n"}}');
  });

  it('never passes on secrets: secret-named keys, URL credentials and registered secret values', () => {
    const { logger, entries } = make();
    logger.addSecret('hunter2-token');
    logger.log('info', 'connecting to mqtt://bob:pw@host with hunter2-token', {
      password: 'pw',
      token: 'abc',
      authorization: 'Bearer x',
      nested: { url: 'wss://u:p@h/x', note: 'uses hunter2-token', apiKey: 'k', list: ['hunter2-token'] },
      error: new Error('auth failed for hunter2-token'),
      bytes: new Uint8Array([1, 2, 3]),
    });
    const text = JSON.stringify(entries);
    for (const secret of ['hunter2-token', 'bob:pw', 'Bearer x', '"abc"', 'u:p@'])
      expect(text).not.toContain(secret);
    expect(entries[0]?.context).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      authorization: '[redacted]',
      nested: { url: 'wss://h/x', note: 'uses [redacted]', list: ['[redacted]'] },
      error: { name: 'Error', message: 'auth failed for [redacted]' },
      bytes: '<3 bytes>',
    });
  });

  it('describes connector errors with their code', () => {
    const { logger, entries } = make();
    logger.log('error', 'refused', { error: new ConnectionRefusedError(5, 'not authorized', true) });
    expect(entries[0]?.context.error).toMatchObject({
      code: 'CONNECTION_REFUSED',
      name: 'ConnectionRefusedError',
    });
  });

  it('survives a throwing callback and does nothing without one', () => {
    const logger = new Logger(
      'debug',
      () => {
        throw new Error('bad callback');
      },
      () => 0,
    );
    expect(() => logger.log('info', 'x')).not.toThrow();
    logger.setCallback(undefined);
    expect(logger.enabled('error')).toBe(false);
  });
});
