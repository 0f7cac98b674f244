/**
 * Test bridge only: a worker that owns the call-audio WebSocket and joins it to the MessagePort
 * the audio worklet holds, so call audio runs worklet ⇄ this thread ⇄ socket and never through the
 * page's main thread, as in the app, where main's port goes straight to the worklet.
 */
import { decodeAudioMessage, encodeAudioMessage } from '../../../src-shared/audio-link.js';

interface Link {
  url: string;
  port: MessagePort;
}

self.addEventListener(
  'message',
  (event: MessageEvent<Link>) => {
    const { url, port } = event.data;
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    port.onmessage = (message: MessageEvent) => {
      // Frames made before the socket opened are stale by the time it does: they are dropped.
      if (socket.readyState === WebSocket.OPEN) socket.send(encodeAudioMessage(message.data));
    };
    socket.addEventListener('message', (message: MessageEvent) => {
      if (!(message.data instanceof ArrayBuffer)) return;
      const decoded = decodeAudioMessage(message.data);
      if (!decoded) return;
      if ('pcm' in decoded) port.postMessage(decoded, [decoded.pcm]);
      else port.postMessage(decoded);
    });
    socket.addEventListener('close', () => port.close());
  },
  { once: true },
);
