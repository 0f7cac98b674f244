/** The JSON the natter CLI prints, as the lab reads it (the contract of `issues show 2` §3). */
export interface AddressJson {
  address: string;
  port: number;
}

export interface NatReportJson {
  local: AddressJson;
  mapped: AddressJson | null;
  natType: 'open' | 'cone' | 'symmetric' | 'blocked' | 'unknown';
  servers: Array<{ server: string; mapped: AddressJson | null; rttMs: number | null }>;
}

export interface CallReportJson {
  registered: boolean;
  mapped: AddressJson | null;
  natType: NatReportJson['natType'];
  invite: { contact: string; sdp: { connection: string; audioPort: number } } | null;
  answered: boolean;
  rtp: { sent: number; received: number };
  oneWayAudio: boolean;
  /** What the call's signalling ran over. */
  transport?: 'udp' | 'tcp' | 'tls';
  toneDetected?: boolean;
  error?: { code: string; message: string };
}

export interface ListenReportJson {
  registered: boolean;
  mapped: AddressJson | null;
  natType: NatReportJson['natType'];
  contact: string | null;
  /** The server registered at the end, and how it got there when the configured one went silent. */
  server?: string;
  failover?: { from: string; to: string; at: string } | null;
  /** Seconds between SIP keepalives the engine chose (0: none). */
  keepaliveSeconds: number | null;
  calls: Array<{
    from: string;
    answered: boolean;
    rtp: { sent: number; received: number };
    oneWayAudio: boolean;
    transport?: 'udp' | 'tcp' | 'tls';
    end?: { code: string; message: string } | null;
  }>;
  transport?: 'udp' | 'tcp' | 'tls';
  error?: { code: string; message: string };
}
