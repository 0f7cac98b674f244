/**
 * How long a call's audio stays one-way before the rescue brings it back, on the wire: a cone
 * router forgets the RTP mapping mid-call and maps the socket to a new port (the lab's
 * STUN-refresh case); the time runs from the provider's last packet that reached the client to
 * the moment RTP flows both ways again: the provider's audio reaching the client, and ours
 * reaching the provider from the new mapping.
 */
import { rtpPackets, startCapture } from '../lab/support/capture.js';
import { clientRtpPort, moveMapping } from '../lab/support/media-mapping.js';
import { createLab, PUBLIC } from '../lab/support/netns-lab.js';
import {
  delay,
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from '../lab/support/peers.js';

const MOVED_PORT = 40_000;
const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };

/** Milliseconds from the break to audio both ways, or null when it never came back. */
export async function measureRescueRecovery(): Promise<number | null> {
  const lab = createLab({ nat: 'cone' });
  try {
    await startCoturn(lab);
    await startSipp(lab, 'provider-rescue.xml');
    const clientSide = await startCapture(lab, lab.router, lab.routerLanInterface);
    const providerSide = await startCapture(lab, lab.internet, lab.internetInterface);
    const running = runNatter(lab, [
      'call',
      '4443',
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--seconds',
      '12',
      '--json',
    ]);
    const localPort = await clientRtpPort(lab);
    if (localPort === null) throw new Error('the call carried no RTP toward the provider');
    await delay(2000);
    const brokeAt = Date.now() / 1000;
    moveMapping(lab, localPort, MOVED_PORT);
    await running;
    const toClient = rtpPackets(await clientSide.stop(), {
      from: PROVIDER_MEDIA,
      to: { address: lab.clientAddress },
    });
    // One-way from the provider's last packet that still reached the client (packets in flight
    // while the router's rules changed count as heard) to its first one after the gap.
    const gap = toClient.findIndex(
      (packet, i) =>
        i > 0 && packet.time > brokeAt && packet.time - (toClient[i - 1]?.time ?? 0) > 1,
    );
    const lastHeard = toClient[gap - 1];
    const heardAgain = toClient[gap];
    const toProvider = rtpPackets(await providerSide.stop(), {
      from: { address: PUBLIC.router, port: MOVED_PORT },
      to: PROVIDER_MEDIA,
    }).find((packet) => packet.time > brokeAt);
    if (gap < 1 || !lastHeard || !heardAgain || !toProvider) return null;
    return (Math.max(heardAgain.time, toProvider.time) - lastHeard.time) * 1000;
  } finally {
    lab.destroy();
  }
}
