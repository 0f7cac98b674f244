/**
 * The test bridge: serves the built renderer over loopback HTTP and the app's IPC contract over a
 * loopback WebSocket with a random path token, backed by the real engine (the same AppService and
 * IPC router the Electron shell uses). Lets Chromium drive the real app without Electron.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { ContactsStore } from '../../../src-main/storage/contacts-store.js';
import { SettingsStore, type SecretCipher } from '../../../src-main/storage/settings-store.js';
import type { HistoryShown } from '../../../src-shared/call-history.js';
import { EVENT_NAMES, appEventSchemas } from '../../../src-shared/ipc-contract.js';
import {
  AUDIO_PORT_CHANNEL,
  READY_CHANNEL,
  eventChannel,
  invokeNameOf,
} from '../../../src-shared/ipc-channels.js';
import { decodeAudioMessage, encodeAudioMessage } from '../../../src-shared/audio-link.js';
import type { EngineHooks } from '../../../src-main/engine/natter-engine.js';
import type { SettingsUpdate } from '../../../src-shared/settings.js';
import type { RecordingDesktop } from '../../../src-main/app/recording/recording-desktop.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
};

/** AES-GCM with a key that lives only in this process: the stand-in for safeStorage. */
function memoryCipher(available = true): SecretCipher {
  const key = randomBytes(32);
  return {
    isAvailable: () => available,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(data) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export interface Bridge {
  url: string;
  service: AppService;
  settingsFile: string;
  /** A `tel:` link's number, handed to the open pages as main hands it to the window. */
  offerNumber(number: string): void;
  /** A click on a missed-call notification, as main hands it to the window. */
  openHistory(shown: HistoryShown): void;
  close(): Promise<void>;
}

export async function startBridge(options: {
  rendererDir: string;
  settings?: SettingsUpdate;
  localAddress?: string;
  /** Extra engine hooks, e.g. a tone detector on the audio a call receives. */
  hooks?: EngineHooks;
  /** false: the system offers no secure storage (no keyring), as safeStorage reports it. */
  secureStorage?: boolean;
  /** The stand-in for the native folder dialog and file manager (recordings). */
  recordingDesktop?: RecordingDesktop;
}): Promise<Bridge> {
  const settingsFile = join(mkdtempSync(join(tmpdir(), 'natter-e2e-')), 'settings.json');
  const store = new SettingsStore(settingsFile, memoryCipher(options.secureStorage ?? true));
  await store.load();
  if (options.settings) await store.update(options.settings);
  const history = new CallHistoryStore(join(settingsFile, '..', 'history.json'));
  await history.load();
  const contacts = new ContactsStore(join(settingsFile, '..', 'contacts.json'));
  await contacts.load();
  const service = createAppService({
    store,
    history,
    hooks: options.hooks,
    contacts,
    desktop: options.recordingDesktop ?? null,
  });
  if (options.localAddress) service.engine.configure({ localAddress: options.localAddress });
  const token = randomBytes(16).toString('hex');
  let origin = '';
  const route = createIpcRouter({
    handlers: service.handlers,
    isTrustedSender: (url) => url === origin,
  });

  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(options.rendererDir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(options.rendererDir) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;
  // One call-audio socket per ready handshake, as main makes one port per page load.
  const audioTokens = new Set<string>();
  const audioTokenOf = (url: string | undefined) =>
    url?.startsWith(`/${token}/audio/`) ? url.slice(`/${token}/audio/`.length) : null;
  const sockets = new WebSocketServer({
    server,
    verifyClient: ({ req }: { req: { url?: string } }) =>
      req.url === `/${token}` || audioTokens.has(audioTokenOf(req.url) ?? ''),
  });
  // The page's bridge is src-shared/preload-bridge.ts, as in the app; this end plays main's
  // part of the channels and of the ready handshake.
  const attachAudio = (socket: WebSocket) =>
    // The audio socket's binary messages are the audio link (src-shared/audio-link.ts), as the
    // MessagePort is in the app: the newest page owns it.
    service.audio.attach({
      post: (message) => {
        if (socket.readyState === socket.OPEN) socket.send(encodeAudioMessage(message));
      },
      onMessage: (listener) =>
        socket.on('message', (data, isBinary) => {
          if (!isBinary || !Buffer.isBuffer(data)) return;
          const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
          listener(decodeAudioMessage(bytes as ArrayBuffer));
        }),
      close: () => socket.close(),
    });
  sockets.on('connection', (socket, request) => {
    const audioToken = audioTokenOf(request.url);
    if (audioToken !== null) {
      audioTokens.delete(audioToken);
      attachAudio(socket);
      return;
    }
    const sender = request.headers.origin;
    // One close listener for every subscription: one each would pass the socket's default
    // limit of ten listeners and print a leak warning, as the contract has more events than that.
    const subscriptions = EVENT_NAMES.map((name) =>
      service.on(name, (payload) => {
        socket.send(JSON.stringify({ channel: eventChannel(name), payload }));
      }),
    );
    socket.once('close', () => {
      for (const off of subscriptions) off();
    });
    socket.on('message', async (data, isBinary) => {
      if (isBinary) return;
      let message: { id?: unknown; channel?: unknown; payload?: unknown; send?: unknown };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return;
      }
      if (message.send === READY_CHANNEL) {
        const audioToken = randomBytes(16).toString('hex');
        audioTokens.add(audioToken);
        socket.send(JSON.stringify({ channel: AUDIO_PORT_CHANNEL, payload: { audioToken } }));
        return;
      }
      if (typeof message.id !== 'number' || typeof message.channel !== 'string') return;
      const name = invokeNameOf(message.channel) ?? message.channel;
      const result = await route(name, message.payload, sender);
      socket.send(JSON.stringify({ id: message.id, result }));
    });
  });
  await service.start();
  /** An event only main's shell sends (not the engine's), to every open page. */
  const toPages = (name: 'dial' | 'openHistory', payload: unknown) => {
    for (const socket of sockets.clients) {
      socket.send(JSON.stringify({ channel: eventChannel(name), payload }));
    }
  };
  return {
    url: `${origin}/?bridge=${encodeURIComponent(`ws://127.0.0.1:${port}/${token}`)}`,
    service,
    settingsFile,
    offerNumber: (number) => toPages('dial', appEventSchemas.dial.parse({ number })),
    openHistory: (shown) => toPages('openHistory', appEventSchemas.openHistory.parse({ shown })),
    close: async () => {
      await service.stop();
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
