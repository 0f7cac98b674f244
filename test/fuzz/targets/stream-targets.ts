/**
 * SIP as it arrives over TCP or TLS: the bytes of a stream, cut into reads anywhere, go through
 * the Content-Length framer (RFC 3261 §18.3) with RFC 5626 CRLF keepalives between messages.
 * Seeds are whole SIP requests and responses (the `sip` target's, RFC 4475-style) back to back,
 * then damaged, so lying Content-Lengths and truncated messages land mid-stream.
 */
import fc from 'fast-check';
import { viewSipMessage } from '../../../src-main/sip/sip-message-view.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  StreamFramer,
  StreamFramingError,
  type StreamItem,
} from '../../../src-main/sip/stream-framer.js';
import { MAX_HEADER_BYTES } from '../../../src-main/sip/sip-message-view.js';
import { check, ContractViolation, jsonCodec, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';
import { sipRequest, sipResponse } from './sip-targets.js';

interface StreamInput {
  /** The stream's text: messages and keepalives in the order sent. */
  stream: string;
  /** Sizes of the reads the stream arrives in; what is left comes as one last read. */
  reads: number[];
}

const keepalive = fc.constantFrom('', '', '\r\n', '\r\n\r\n', '\r\n\r\n\r\n');

const stream = fc
  .array(fc.tuple(keepalive, mutatedText(fc.oneof(sipRequest, sipResponse))), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.map(([ping, message]) => ping + message).join(''));

/** Bytes held for an incomplete message never exceed one message's bounds. */
const MAX_PENDING_BYTES = MAX_HEADER_BYTES + 4 + DEFAULT_MAX_BODY_BYTES;

interface Framed {
  /** Items in order; a ping is written as two pongs (a read boundary may split it). */
  items: string[];
  failed: boolean;
}

function frame(bytes: Buffer, reads: readonly number[]): Framed {
  const framer = new StreamFramer();
  const items: string[] = [];
  let offset = 0;
  const chunks: Buffer[] = [];
  for (const size of reads) {
    if (offset >= bytes.length) break;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < bytes.length) chunks.push(bytes.subarray(offset));
  for (const chunk of chunks) {
    let completed: StreamItem[];
    try {
      completed = framer.push(chunk);
    } catch (error) {
      if (error instanceof StreamFramingError) return { items, failed: true };
      throw new ContractViolation(`the stream framer threw ${String(error)}`);
    }
    check(framer.pendingBytes <= MAX_PENDING_BYTES, `${framer.pendingBytes} bytes held`);
    for (const item of completed) {
      if (item.kind === 'message') {
        check(item.bytes <= MAX_PENDING_BYTES, `a message of ${item.bytes} bytes`);
        // What the framer passes on meets the same message view the UDP transport uses.
        viewSipMessage(item.text);
        items.push(`message ${item.bytes} ${item.text}`);
      } else {
        items.push(...(item.kind === 'ping' ? ['pong', 'pong'] : ['pong']));
      }
    }
  }
  return { items, failed: false };
}

export const sipStreamTarget: FuzzTarget<StreamInput> = {
  name: 'sip-stream',
  contract:
    'the TCP/TLS framer never throws anything but a framing error, holds at most one ' +
    "message's bounds, and frames the same stream the same way however it is cut into reads",
  modules: ['src-main/sip/stream-framer.ts'],
  input: () =>
    fc.record({
      stream,
      reads: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 24 }),
    }),
  execute({ stream: text, reads }) {
    const bytes = Buffer.from(text, 'utf8');
    const whole = frame(bytes, []);
    const cut = frame(bytes, reads);
    check(whole.failed === cut.failed, 'a framing error that depends on how the reads fell');
    if (!whole.failed) {
      check(
        whole.items.length === cut.items.length &&
          whole.items.every((item, i) => item === cut.items[i]),
        'the same stream framed differently when read in other pieces',
      );
    }
  },
  ...jsonCodec,
} as FuzzTarget<StreamInput>;
