import { afterEach, describe, expect, it } from 'vitest';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { allocateRtpEndpoints } from '../../../src-main/media/rtp-port-allocator.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('allocateRtpEndpoints', () => {
  it('binds RTP on an even port and RTCP on the next one (RFC 3550 §11)', async () => {
    for (let i = 0; i < 5; i++) {
      const { rtp, rtcp } = await allocateRtpEndpoints({ address: '127.0.0.1', minPort: 20001 });
      cleanups.push(
        () => rtp.close(),
        () => rtcp.close(),
      );
      expect(rtp.bound.port % 2).toBe(0);
      expect(rtp.bound.port).toBeGreaterThanOrEqual(20002);
      expect(rtcp.bound.port).toBe(rtp.bound.port + 1);
    }
  });

  it('moves on when either port of a pair is taken', async () => {
    const free = await UdpEndpoint.bind({ address: '127.0.0.1' });
    const base = free.bound.port - (free.bound.port % 2);
    await free.close();
    const squatter = await UdpEndpoint.bind({ address: '127.0.0.1', port: base + 1 });
    cleanups.push(() => squatter.close());
    // First pick the pair whose RTCP port is taken, then the next pair up.
    const picks = [0, 0.75];
    const { rtp, rtcp } = await allocateRtpEndpoints({
      address: '127.0.0.1',
      minPort: base,
      maxPort: base + 3,
      random: () => picks.shift() ?? 0.75,
    });
    cleanups.push(
      () => rtp.close(),
      () => rtcp.close(),
    );
    expect(rtp.bound.port).toBe(base + 2);
    // The RTP socket of the failed pair was let go.
    const again = await UdpEndpoint.bind({ address: '127.0.0.1', port: base });
    await again.close();
  });

  it('gives up after a bounded number of tries', async () => {
    const held = await UdpEndpoint.bind({ address: '127.0.0.1' });
    cleanups.push(() => held.close());
    const port = held.bound.port - (held.bound.port % 2);
    let tries = 0;
    await expect(
      allocateRtpEndpoints({
        address: '127.0.0.1',
        minPort: port,
        maxPort: port + 1,
        attempts: 4,
        random: () => {
          tries++;
          return 0;
        },
      }),
    ).rejects.toThrow(/after 4 tries/);
    expect(tries).toBe(4);
  });

  it('fails at once on errors retrying cannot fix, and on an empty range', async () => {
    let tries = 0;
    await expect(
      allocateRtpEndpoints({
        address: '192.0.2.1', // not an address of this host
        random: () => {
          tries++;
          return 0.5;
        },
      }),
    ).rejects.toThrow(/EADDRNOTAVAIL/);
    expect(tries).toBe(1);
    await expect(allocateRtpEndpoints({ minPort: 5001, maxPort: 5002 })).rejects.toThrow(
      RangeError,
    );
  });
});
