// `npm run check:testing-build` (after `npm run build`): loads `mqtt-connector/testing` through the
// package's own exports map from CommonJS and from ESM, starts the embedded broker (aedes is ESM-only)
// and round-trips one message with the connector. The CommonJS run disables require(esm) where Node has
// it, to prove the CJS build loads aedes with a real import(), as on Node versions before 20.19.
import { execFileSync } from 'node:child_process';

const roundTrip = `
  const broker = await t.startBroker();
  const connector = new core.MqttConnector({ mqttBroker: broker.url, throttleInterval: 0 });
  await connector.connect();
  const first = t.firstMessage(connector, 'check/+');
  await connector.whenSubscribed('check/+');
  await connector.publish('check/build', { ok: true }, { qos: 1 });
  const message = await first;
  await connector.disconnect();
  await broker.close();
  if (message.payload?.ok !== true) throw new Error('unexpected message ' + JSON.stringify(message.payload));
  console.log(FORMAT + ': mqtt-connector/testing loaded aedes and round-tripped a message on ' + broker.url);
`;
const cjs = `const t = require('mqtt-connector/testing'); const core = require('mqtt-connector'); const FORMAT = 'cjs';
(async () => { ${roundTrip} })().catch((e) => { console.error(e); process.exit(1); });`;
const esm = `const t = await import('mqtt-connector/testing'); const core = await import('mqtt-connector'); const FORMAT = 'esm';
${roundTrip}`;

const noRequireEsm = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')
  ? ['--no-experimental-require-module']
  : [];
const run = (args) => execFileSync(process.execPath, args, { stdio: 'inherit', timeout: 15_000 });
run([...noRequireEsm, '-e', cjs]);
run(['--input-type=module', '-e', esm]);
