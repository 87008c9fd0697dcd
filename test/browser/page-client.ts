/**
 * Typed calls into the page's `window.mqttPage` (see page/api.ts). A failing call rejects with the page's
 * console output attached, so a browser-side problem is readable in the Jest report.
 */
import type { Page } from 'playwright-core';
import type { ConnectionStatus } from '../../src/index';
import type { PageApi, RoundResult, StartArgs, StopResult } from './page/api';

export type PageClient = {
  [K in keyof PageApi]: (...args: Parameters<PageApi[K]>) => Promise<Awaited<ReturnType<PageApi[K]>>>;
};

export function pageClient(page: Page, logs: readonly string[]): PageClient {
  const withLogs = async <T>(what: string, call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`page ${what} failed: ${message}\n--- page log ---\n${logs.join('\n')}`, {
        cause: error,
      });
    }
  };
  return {
    start: (args: StartArgs) =>
      withLogs(
        `start(${args.name})`,
        page.evaluate((a) => {
          if (!window.mqttPage) throw new Error('the page script did not run');
          return window.mqttPage.start(a);
        }, args),
      ),
    exchange: (name: string, round: number): Promise<RoundResult> =>
      withLogs(
        `exchange(${name}, ${round})`,
        page.evaluate(
          ([n, r]) => {
            if (!window.mqttPage) throw new Error('the page script did not run');
            return window.mqttPage.exchange(n, r);
          },
          [name, round] as const,
        ),
      ),
    waitFor: (name: string, status: ConnectionStatus, since: number) =>
      withLogs(
        `waitFor(${name}, ${status})`,
        page.evaluate(
          ([n, s, i]) => {
            if (!window.mqttPage) throw new Error('the page script did not run');
            return window.mqttPage.waitFor(n, s, i);
          },
          [name, status, since] as const,
        ),
      ),
    statuses: (name: string) =>
      withLogs(
        `statuses(${name})`,
        page.evaluate((n) => {
          if (!window.mqttPage) throw new Error('the page script did not run');
          return window.mqttPage.statuses(n);
        }, name),
      ),
    stop: (name: string): Promise<StopResult> =>
      withLogs(
        `stop(${name})`,
        page.evaluate((n) => {
          if (!window.mqttPage) throw new Error('the page script did not run');
          return window.mqttPage.stop(n);
        }, name),
      ),
  };
}
