/**
 * The test bridge as a process of its own, for end-to-end tests whose engine must live where the
 * test runner does not: inside a lab network namespace (`ip netns exec <ns> node bridge-main.js`).
 * Settings come as one JSON argument, the SIP password from NATTER_PASSWORD and the TURN relay's
 * from NATTER_TURN_PASSWORD, as for the CLI, so neither shows in a process listing; both go to
 * the settings store, which keeps them encrypted as the app does. Prints one JSON line
 * `{"url": ...}` once the renderer is served and the account has registered; unregisters on
 * SIGTERM before it exits.
 */
import { join } from 'node:path';
import { settingsUpdateSchema } from '../../../src-shared/settings.js';
import { REPO } from '../../lab/support/peers.js';
import { startBridge } from './bridge-server.js';

const settings = settingsUpdateSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const password = process.env.NATTER_PASSWORD;
const turnPassword = process.env.NATTER_TURN_PASSWORD;
// Further accounts' passwords, as JSON {id: password}.
const accountPasswords = process.env.NATTER_ACCOUNT_PASSWORDS;
const bridge = await startBridge({
  rendererDir: join(REPO, 'dist/app/renderer'),
  settings: {
    ...settings,
    ...(password ? { password } : {}),
    ...(turnPassword ? { turnPassword } : {}),
    ...(accountPasswords
      ? settingsUpdateSchema.pick({ accountPasswords: true }).parse({
          accountPasswords: JSON.parse(accountPasswords),
        })
      : {}),
  },
});
process.stdout.write(`${JSON.stringify({ url: bridge.url })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void bridge.close().finally(() => process.exit(0));
  });
}
