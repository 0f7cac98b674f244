/**
 * The SIP trace as the trace view shows and copies it: each message cut into lines, with the parts
 * that decide whether NAT works marked (Via received/rport: where the server saw us; Contact:
 * where we asked to be reached; SDP c= and m=: where we asked for audio), and the whole trace as
 * plain text for a support ticket. The messages come from main already redacted.
 */
import type { SipTraceEntry } from '../../../src-shared/ipc-contract.js';

export type NatMark = 'via' | 'contact' | 'sdp';

export interface TraceSegment {
  text: string;
  mark: NatMark | null;
}

/** What each mark means, for a tooltip and for screen readers. */
export const MARK_MEANING: Record<NatMark, string> = {
  via: 'the address the other side saw this message come from',
  contact: 'the address this phone asks to be reached at',
  sdp: 'the address and port audio is asked to go to',
};

const VIA_HEADER = /^(?:via|v)[ \t]*:/i;
const CONTACT_HEADER = /^(?:contact|m)[ \t]*:[ \t]*/i;
const SDP_ADDRESS_LINE = /^[cm]=/;
const VIA_NAT_PARAM = /(?<=;[ \t]*)(?:received=[^;,\s]+|rport(?:=\d+)?)(?=[;,\s]|$)/gi;

function viaSegments(line: string): TraceSegment[] {
  const segments: TraceSegment[] = [];
  let at = 0;
  for (const match of line.matchAll(VIA_NAT_PARAM)) {
    const start = match.index ?? 0;
    if (start > at) segments.push({ text: line.slice(at, start), mark: null });
    segments.push({ text: match[0], mark: 'via' });
    at = start + match[0].length;
  }
  if (at < line.length) segments.push({ text: line.slice(at), mark: null });
  return segments;
}

/** The message line by line, NAT-relevant parts marked. */
export function traceLines(message: string): TraceSegment[][] {
  const lines = message.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let inBody = false;
  return lines.map((line) => {
    if (!inBody && line === '') {
      inBody = true;
      return [{ text: '', mark: null }];
    }
    if (inBody) {
      return [{ text: line, mark: SDP_ADDRESS_LINE.test(line) ? 'sdp' : null }];
    }
    if (VIA_HEADER.test(line)) return viaSegments(line);
    const contact = CONTACT_HEADER.exec(line);
    if (contact) {
      return [
        { text: contact[0], mark: null },
        { text: line.slice(contact[0].length), mark: 'contact' },
      ];
    }
    return [{ text: line, mark: null }];
  });
}

/** The request or status line: what the message is, in one line. */
export function firstLine(message: string): string {
  return message.split(/\r?\n/, 1)[0] ?? '';
}

export function peerOf(entry: SipTraceEntry): string {
  return `${entry.direction === 'out' ? 'to' : 'from'} ${entry.peer.address}:${entry.peer.port}`;
}

/** The whole trace, oldest first, as text to paste into a support ticket. */
export function traceAsText(entries: readonly SipTraceEntry[], copiedAt: Date): string {
  const header = [
    `Natter SIP trace: ${entries.length} message${entries.length === 1 ? '' : 's'}, oldest first.`,
    'Passwords and digest responses are removed.',
    `Copied ${copiedAt.toISOString()}`,
  ];
  const messages = entries.map((entry) =>
    [
      `=== ${entry.at}  ${entry.direction === 'out' ? 'sent' : 'received'} ${peerOf(entry)} ===`,
      entry.message.replace(/\r\n/g, '\n').replace(/\n+$/, ''),
    ].join('\n'),
  );
  return [header.join('\n'), ...messages].join('\n\n') + '\n';
}
