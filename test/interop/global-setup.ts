/**
 * Jest global setup of the interop suite: prints what it runs against (broker versions and packages, aedes,
 * Node, OS), so that every log of `npm run test:interop` says which versions passed.
 */
import { brokerVersions } from '../support/broker-versions';

export default async function globalSetup(): Promise<void> {
  const lines = await brokerVersions();
  console.log(['', 'interop suite, tested against:', ...lines.map((line) => `  ${line}`), ''].join('\n'));
}
