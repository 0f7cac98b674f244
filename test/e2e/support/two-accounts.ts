/**
 * The app with two accounts, each registered at its own scripted registrar behind its own
 * provider front door on loopback: the set-up the several-accounts suites share.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { MoreAccount } from '../../../src-shared/accounts.js';
import { startProviderFront, type ProviderFront } from '../../lab/support/provider-front.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  startLoopbackSipp,
  waitFor,
  type LoopbackSipp,
} from '../../lab/support/peers.js';
import type { Bridge } from './bridge-server.js';
import { DOCS_SCREENS, SCREENS } from './browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './loopback-app.js';

/** The second account; its server is filled in with its registrar's front door. */
export const OFFICE_ACCOUNT: MoreAccount = {
  id: 'office',
  label: 'Office',
  account: { server: 'set-below', user: LAB_USER },
  sipTransport: 'udp',
  doNotDisturb: false,
  autoAnswerSeconds: 0,
  hasPassword: false,
};

export const hostPort = (front: ProviderFront) => `${front.address.address}:${front.address.port}`;

export interface TwoAccountApp {
  app: LoopbackApp;
  bridge: Bridge;
  page: Page;
  mainRegistrar: LoopbackSipp;
  officeRegistrar: LoopbackSipp;
  mainFront: ProviderFront;
  officeFront: ProviderFront;
  /** Every peer started for the suite, killed by close(); suites add their own. */
  children: ChildProcess[];
  close(): Promise<void>;
}

/** Starts both registrars and the app, and waits until both accounts are registered. */
export async function startTwoAccountApp(options: {
  /** How long the scripted registrars live (sipp's -timeout), e.g. '300s'. */
  registrarLifetime: string;
  office?: Partial<MoreAccount>;
}): Promise<TwoAccountApp> {
  mkdirSync(SCREENS, { recursive: true });
  mkdirSync(DOCS_SCREENS, { recursive: true });
  const children: ChildProcess[] = [];
  const lifetime = ['-timeout', options.registrarLifetime];
  const mainRegistrar = await startLoopbackSipp('provider-answers-at-once.xml', lifetime);
  const officeRegistrar = await startLoopbackSipp('provider-answers-at-once.xml', lifetime);
  children.push(mainRegistrar.child, officeRegistrar.child);
  const mainFront = await startProviderFront({ address: '127.0.0.1', port: mainRegistrar.port });
  const officeFront = await startProviderFront({
    address: '127.0.0.1',
    port: officeRegistrar.port,
  });
  const office = { ...OFFICE_ACCOUNT, ...options.office };
  const app = await startLoopbackApp({
    ports: { stun: 0 },
    settings: ({ stunPort }) => ({
      ...labAccount(hostPort(mainFront), `127.0.0.1:${stunPort}`),
      moreAccounts: [{ ...office, account: { ...office.account, server: hostPort(officeFront) } }],
      accountPasswords: { [office.id]: LAB_PASSWORD },
    }),
    microphone: true,
    autoplay: true,
  });
  const { bridge, page } = app;
  await page.goto(bridge.url);
  await waitFor(
    () =>
      bridge.service.fleet
        .statuses()
        .every((account) => account.registration.state === 'registered'),
    40_000,
  );
  return {
    app,
    bridge,
    page,
    mainRegistrar,
    officeRegistrar,
    mainFront,
    officeFront,
    children,
    async close() {
      await app.close();
      for (const child of children) child.kill('SIGKILL');
      await mainFront.close();
      await officeFront.close();
    },
  };
}

/** The window as it stands, in test-results and in docs/screens. */
export async function windowShot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}
