import { Core } from 'sip.js';

/**
 * The few facts of a SIP message the transport needs to match retransmissions and route
 * responses, read with sip.js's own grammar (no hand-written SIP parser).
 */
export interface SipMessageView {
  kind: 'request' | 'response';
  /** Request method, or the method of the CSeq a response answers. */
  method: string;
  statusCode: number;
  branch: string;
  callId: string;
  cseq: number;
  /** Top Via of the message. */
  via: { host: string; port: number | undefined; received?: string; rport?: number };
}

const silentLoggerFactory = new Core.LoggerFactory();
silentLoggerFactory.builtinEnabled = false;
const parserLogger = silentLoggerFactory.getLogger('natter.parser');

/** Returns null for anything sip.js cannot parse or that lacks a Via branch or CSeq. */
export function viewSipMessage(text: string): SipMessageView | null {
  let message: Core.IncomingRequestMessage | Core.IncomingResponseMessage | undefined;
  try {
    message = Core.Parser.parseMessage(text, parserLogger);
  } catch {
    return null;
  }
  if (!message) return null;
  const via = message.via as unknown as
    | { host?: string; port?: number; branch?: string; received?: string; rport?: number | string }
    | undefined;
  const cseqHeader = message.parseHeader('cseq') as { method?: string; value?: number } | undefined;
  if (!via?.host || !via.branch || !cseqHeader?.method) return null;
  const rport = via.rport === undefined || via.rport === '' ? undefined : Number(via.rport);
  const isResponse = message instanceof Core.IncomingResponseMessage;
  return {
    kind: isResponse ? 'response' : 'request',
    method: isResponse ? cseqHeader.method : (message as Core.IncomingRequestMessage).method,
    statusCode: isResponse ? ((message as Core.IncomingResponseMessage).statusCode ?? 0) : 0,
    branch: via.branch,
    callId: message.callId,
    cseq: message.cseq,
    via: {
      host: via.host,
      port: via.port,
      ...(via.received ? { received: via.received } : {}),
      ...(rport !== undefined && Number.isFinite(rport) ? { rport } : {}),
    },
  };
}
