import type { Invitation, Referral } from 'sip.js';
import {
  SessionState,
  UserAgent,
  type Core,
  type Notification,
  type Session,
  type URI,
} from 'sip.js';
import type { CallInfo, CallTransfer } from '../../src-shared/domain.js';
import type { EventPayload } from '../../src-shared/engine-contract.js';
import type { CallRecord } from './call-record.js';
import { EngineFailure } from './engine-error.js';
import {
  NO_SUCH_DIALOG,
  replacedDialogOf,
  replacesVerdict,
  type ReplacesVerdict,
} from './replaces-verdict.js';
import { isValidReplaces } from '../sip/request-guard.js';

/** What the transfers need of the engine: its calls, and a way to place and end them. */
export interface TransferHost {
  /** The call's record and session; throws for a call that is not in progress. */
  call(callId: string): { record: CallRecord; session: Session };
  /** The call's session, if some call in progress has it. */
  callIdOf(session: Session): string | null;
  /** Tells the clients the call changed. */
  changed(callId: string): void;
  /** Ends our leg of a call handed elsewhere: BYE (unless the far end ended it), History's words. */
  endTransferred(callId: string, message: string, byeAfterMs?: number): void;
  /**
   * Places a call to `uri` as any other (the NAT strategy's Contact and SDP), carrying
   * `extraHeaders`; `onResponse` sees each response to its INVITE.
   */
  placeCall(
    uri: URI,
    label: string,
    extraHeaders: string[],
    onResponse: (status: number, reason: string) => void,
  ): Promise<CallInfo>;
  /** Puts every other connected call on hold. */
  holdOthers(callId: string): Promise<void>;
  /** Where numbers are dialled: the registrar's host. */
  serverHost(): string;
  emitTransferRequest(request: EventPayload<'transferRequest'>): void;
  log(level: 'info' | 'warn', message: string): void;
}

/** An INVITE with Replaces: refused, or taking over our call `callId`. */
export type Replacement =
  | Extract<ReplacesVerdict, { action: 'refuse' }>
  | (Extract<ReplacesVerdict, { action: 'replace' }> & { callId: string });

/** How long a REFER's progress may go unreported before the transfer counts as failed. */
const NOTIFY_SILENCE_MS = 60_000;
/** How long an incoming REFER waits for the user's answer before it is declined. */
const ASK_TIMEOUT_MS = 30_000;
/** After an attended transfer, how long the consult party has to end its replaced dialog. */
const REPLACED_BYE_WAIT_MS = 3000;

interface IncomingReferral {
  referral: Referral;
  timer: ReturnType<typeof setTimeout>;
  /** The Replaces header the new call carries (attended transfer), decoded and checked. */
  replaces: string | null;
}

/**
 * Call transfer, both ways. Ours: REFER (RFC 3515) in the call's dialog, blind to a number or
 * attended with Replaces (RFC 3891) to the party of a consult call; the NOTIFYs' sipfrag bodies
 * become the call's progress, a 2xx ends our leg, and a refused REFER leaves the call as it was.
 * Theirs: an in-dialog REFER is put to the user; accepted, the target is called like any call
 * (through the same NAT strategy) and its progress NOTIFYed back; declined, answered 603.
 */
export class CallTransfers {
  private readonly incoming = new Map<string, IncomingReferral>();

  constructor(private readonly host: TransferHost) {}

  /** Listens for the far end's REFERs on a call's session. */
  watch(session: Session): void {
    const delegate = session.delegate;
    session.delegate = {
      ...delegate,
      onRefer: (referral) => this.onRefer(session, referral),
    };
  }

  async transfer(callId: string, target?: string, consultCallId?: string): Promise<CallInfo> {
    const { record, session } = this.host.call(callId);
    if (session.state !== SessionState.Established) {
      throw new EngineFailure('bad-state', 'only a connected call can be transferred');
    }
    if (record.transfer && ['asking', 'trying', 'ringing'].includes(record.transfer.state)) {
      throw new EngineFailure('bad-state', 'this call is being transferred already');
    }
    let referTo: URI | Session;
    let label: string;
    if (consultCallId !== undefined) {
      if (consultCallId === callId) {
        throw new EngineFailure('bad-request', 'a call cannot be transferred to itself');
      }
      const consult = this.host.call(consultCallId);
      if (consult.session.state !== SessionState.Established) {
        throw new EngineFailure(
          'bad-state',
          'the consult call must be answered before the transfer (or transfer blind)',
        );
      }
      referTo = consult.session;
      label = consult.record.remoteDisplayName ?? consult.record.remote;
    } else {
      const uri = target ? UserAgent.makeURI(`sip:${target}@${this.host.serverHost()}`) : undefined;
      if (!uri || !target) throw new EngineFailure('bad-target', `"${target}" cannot be dialled`);
      referTo = uri;
      label = target;
    }
    const kind = consultCallId === undefined ? 'blind' : 'attended';
    const update = (patch: Omit<CallTransfer, 'direction' | 'kind' | 'target'>): void => {
      record.transfer = {
        direction: 'outgoing',
        kind,
        target: label,
        ...(consultCallId === undefined ? {} : { consultCallId }),
        ...patch,
      };
      this.host.changed(callId);
    };
    update({ state: 'asking', message: `Asking the provider to transfer the call to ${label}` });
    let silence: ReturnType<typeof setTimeout> | null = null;
    const stopWaiting = () => {
      if (silence) clearTimeout(silence);
      silence = null;
    };
    const waitForWord = () => {
      stopWaiting();
      silence = setTimeout(() => {
        if (record.ended || !inProgress(record.transfer)) return;
        update({
          state: 'failed',
          message: `No word on the transfer to ${label}: the call stays with you`,
        });
      }, NOTIFY_SILENCE_MS);
      silence.unref?.();
    };
    const onNotify = (notification: Notification): void => {
      notification.accept().catch(() => undefined);
      if (!inProgress(record.transfer)) return;
      const progress = sipfragStatus(notification.request.body);
      if (!progress) return;
      const { status, reason } = progress;
      if (status < 200) {
        waitForWord();
        if (status >= 180) {
          update({ state: 'ringing', message: `${label} is ringing`, sipStatus: status });
        } else {
          update({ state: 'trying', message: `Transferring to ${label}…`, sipStatus: status });
        }
        return;
      }
      stopWaiting();
      if (status < 300) {
        update({ state: 'succeeded', message: `Transferred to ${label}`, sipStatus: status });
        this.host.endTransferred(callId, `Transferred to ${label}`);
        if (consultCallId !== undefined) {
          // The consult party ends its replaced dialog itself (RFC 3891 §3); if it does not, we do.
          this.host.endTransferred(consultCallId, `Transferred to ${label}`, REPLACED_BYE_WAIT_MS);
        }
        return;
      }
      update({
        state: 'failed',
        message: `The transfer to ${label} failed (${status} ${reason}): the call stays with you`,
        sipStatus: status,
      });
    };
    await new Promise<void>((resolve) => {
      session
        .refer(referTo, {
          onNotify,
          requestDelegate: {
            onAccept: (response) => {
              waitForWord();
              if (record.transfer?.state === 'asking') {
                update({
                  state: 'trying',
                  message: `Transferring to ${label}…`,
                  sipStatus: response.message.statusCode ?? 202,
                });
              }
              resolve();
            },
            onReject: (response) => {
              stopWaiting();
              update(referRefusal(response.message, label));
              resolve();
            },
          },
        })
        .catch((error: unknown) => {
          update({
            state: 'failed',
            message: `The transfer could not be asked for: ${error instanceof Error ? error.message : String(error)}`,
          });
          resolve();
        });
    });
    return record.snapshot();
  }

  /** The user's answer to the far end's REFER on `callId`. */
  async answer(callId: string, accept: boolean): Promise<CallInfo> {
    const { record, session } = this.host.call(callId);
    const pending = this.incoming.get(callId);
    if (!pending) throw new EngineFailure('bad-state', 'no transfer is waiting for an answer');
    this.incoming.delete(callId);
    clearTimeout(pending.timer);
    const { referral } = pending;
    const ask = record.transfer;
    if (!ask) throw new EngineFailure('bad-state', 'no transfer is waiting for an answer');
    const setState = (patch: Pick<CallTransfer, 'state' | 'message'> & { sipStatus?: number }) => {
      record.transfer = { ...ask, ...patch };
      this.host.changed(callId);
    };
    if (!accept) {
      await referral.reject({ statusCode: 603 }).catch(() => undefined);
      setState({
        state: 'declined',
        message: `You declined the transfer to ${ask.target}`,
        sipStatus: 603,
      });
      return record.snapshot();
    }
    await referral.accept({ statusCode: 202 });
    const notify = (status: number, reason: string) => notifyProgress(session, status, reason);
    notify(100, 'Trying');
    setState({ state: 'trying', message: `Calling ${ask.target} as asked…` });
    const target = referral.referTo.uri.clone();
    target.clearHeaders();
    const extraHeaders: string[] = [];
    if (pending.replaces) extraHeaders.push(`Replaces: ${pending.replaces}`);
    if (referral.referredBy) extraHeaders.push(`Referred-By: ${referral.referredBy}`);
    try {
      await this.host.holdOthers(callId);
    } catch {
      // A hold the far end refuses does not stop the transfer it asked for.
    }
    try {
      await this.host.placeCall(target, ask.target, extraHeaders, (status, reason) => {
        if (status === 100) return;
        notify(status, reason);
        if (status >= 180 && status < 200) {
          setState({ state: 'ringing', message: `${ask.target} is ringing`, sipStatus: status });
        } else if (status >= 200 && status < 300) {
          setState({
            state: 'succeeded',
            message: `Transferred to ${ask.target}`,
            sipStatus: status,
          });
        } else if (status >= 300) {
          setState({
            state: 'failed',
            message: `Calling ${ask.target} failed (${status} ${reason})`,
            sipStatus: status,
          });
        }
      });
    } catch (error) {
      notify(503, 'Service Unavailable');
      setState({
        state: 'failed',
        message: `Calling ${ask.target} failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    return record.snapshot();
  }

  /**
   * An incoming INVITE with Replaces (RFC 3891 §3): what becomes of it, with the call of ours it
   * takes over if it does. Null for an INVITE without Replaces (a new call, to ring).
   */
  replacement(invitation: Pick<Invitation, 'replacee' | 'request'>): Replacement | null {
    const replaces = invitation.request.parseHeader('replaces') as
      { early_only?: boolean } | undefined;
    if (!replaces) return null;
    const replacee = invitation.replacee;
    const callId = replacee ? this.host.callIdOf(replacee) : null;
    if (!replacee || !callId) return NO_SUCH_DIALOG;
    const verdict = replacesVerdict(replacedDialogOf(replacee), replaces.early_only === true);
    return verdict.action === 'replace' ? { ...verdict, callId } : verdict;
  }

  /** Declines what is still waiting on a call that ended. */
  forget(callId: string): void {
    const pending = this.incoming.get(callId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.incoming.delete(callId);
  }

  private onRefer(session: Session, referral: Referral): void {
    const callId = this.host.callIdOf(session);
    if (!callId || this.incoming.has(callId)) {
      referral.reject({ statusCode: callId ? 491 : 481 }).catch(() => undefined);
      return;
    }
    let uri: URI;
    try {
      uri = referral.referTo.uri;
    } catch {
      referral.reject({ statusCode: 400 }).catch(() => undefined);
      return;
    }
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') {
      referral.reject({ statusCode: 416 }).catch(() => undefined);
      return;
    }
    // The far end's Replaces goes into our INVITE as a header: one that does not decode to a
    // valid value (a `%0D%0A` would add header lines of its choosing, a `%FF` throws) is refused.
    const replaces = referral.replaces === undefined ? null : decodedReplaces(referral.replaces);
    if (referral.replaces !== undefined && replaces === null) {
      referral.reject({ statusCode: 400, reasonPhrase: 'Invalid Replaces' }).catch(() => undefined);
      this.host.log('warn', 'refused a transfer whose Refer-To carries an invalid Replaces');
      return;
    }
    const target = uri.user ? uri.user : uri.host;
    const attended = replaces !== null;
    const { record } = this.host.call(callId);
    record.transfer = {
      direction: 'incoming',
      kind: attended ? 'attended' : 'blind',
      target,
      state: 'asking',
      message: `The other side asks you to call ${target}`,
    };
    const timer = setTimeout(() => {
      if (!this.incoming.has(callId)) return;
      this.answer(callId, false).catch(() => undefined);
    }, ASK_TIMEOUT_MS);
    timer.unref?.();
    this.incoming.set(callId, { referral, timer, replaces });
    this.host.log('info', `the far end asks to transfer the call to ${target}`);
    this.host.changed(callId);
    this.host.emitTransferRequest({
      callId,
      target,
      referredBy: referral.referredBy ?? null,
      attended,
    });
  }
}

function inProgress(transfer: CallTransfer | null): boolean {
  return transfer !== null && ['asking', 'trying', 'ringing'].includes(transfer.state);
}

/** The status line of a message/sipfrag body (RFC 3420), as a REFER's NOTIFY carries it. */
export function sipfragStatus(body: string): { status: number; reason: string } | null {
  const match = /^\s*SIP\/2\.0\s+(\d{3})(?![0-9])(?:[ \t]+([^\r\n]*))?/.exec(body);
  if (!match?.[1]) return null;
  return { status: Number(match[1]), reason: (match[2] ?? '').trim() };
}

/** The words for a REFER the provider or the far end did not take: the call stays. */
export function referRefusal(
  response: Pick<Core.IncomingResponseMessage, 'statusCode' | 'reasonPhrase' | 'callId'>,
  label: string,
): Pick<CallTransfer, 'state' | 'message'> & { sipStatus?: number } {
  const status = response.statusCode ?? 0;
  const stays = 'the call stays with you';
  if (!response.callId) {
    return {
      state: 'refused',
      message: `The provider did not answer the transfer request: ${stays}`,
      sipStatus: status,
    };
  }
  const why =
    status === 405 || status === 501
      ? 'the provider does not support call transfer (REFER)'
      : status === 403 || status === 603
        ? 'the provider does not allow transfers on this call'
        : status === 481
          ? 'the provider no longer knows this call'
          : status === 488 || status === 420
            ? 'the provider cannot transfer this kind of call'
            : `the provider refused the transfer (${status} ${response.reasonPhrase ?? ''})`.replace(
                ' )',
                ')',
              );
  return {
    state: 'refused',
    message: `Could not transfer to ${label}: ${why}; ${stays}`,
    sipStatus: status,
  };
}

/** A NOTIFY in the REFER's implicit subscription (RFC 3515 §2.4.4): its progress as sipfrag. */
function notifyProgress(session: Session, status: number, reason: string): void {
  const dialog = session.dialog;
  if (!dialog || session.state !== SessionState.Established) return;
  const final = status >= 200;
  try {
    dialog.notify(undefined, {
      extraHeaders: [
        'Event: refer',
        `Subscription-State: ${final ? 'terminated;reason=noresource' : 'active;expires=60'}`,
      ],
      body: {
        contentDisposition: 'render',
        contentType: 'message/sipfrag;version=2.0',
        content: `SIP/2.0 ${status} ${reason}`.trim(),
      },
    });
  } catch {
    // The dialog ended meanwhile: nobody is left to tell.
  }
}

/** A Refer-To's `Replaces` parameter (escaped in its URI, RFC 3891 §7) as a header value. */
export function decodedReplaces(escaped: string): string | null {
  let value: string;
  try {
    value = decodeURIComponent(escaped);
  } catch {
    return null;
  }
  return isValidReplaces(value) ? value : null;
}
