/**
 * Runs the binding-lifetime measurement where the lab test cannot: inside the client namespace
 * (`ip netns exec ... node dist/test/lab/support/binding-lifetime-runner.js SERVER MIN MAX`).
 * Prints one JSON line per probe as it lands (`{"probe":...}`), then `{"result":...}`.
 */
import { measureBindingLifetime } from '../../../src-main/net/binding-lifetime.js';

const [server, minSeconds, maxSeconds] = process.argv.slice(2);
if (!server || !minSeconds || !maxSeconds) {
  process.stderr.write('usage: binding-lifetime-runner SERVER MIN_SECONDS MAX_SECONDS\n');
  process.exit(2);
}
const result = await measureBindingLifetime({
  server,
  minSeconds: Number(minSeconds),
  maxSeconds: Number(maxSeconds),
  onProbe: (probe) => process.stdout.write(`${JSON.stringify({ probe, at: Date.now() })}\n`),
});
process.stdout.write(`${JSON.stringify({ result })}\n`);
