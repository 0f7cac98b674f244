/** A call as the engine reports it, for tests of what is shown or decided from calls. */
import { EMPTY_RTP_STATS } from '../../src-main/engine/call-record.js';
import type { CallInfo } from '../../src-shared/domain.js';

/** A call that has just started ringing in, with no media yet; `patch` says what differs. */
export function callInfo(patch: Partial<CallInfo> = {}): CallInfo {
  return {
    id: 'c1',
    direction: 'incoming',
    remote: '15145550100',
    remoteDisplayName: null,
    state: 'incoming',
    startedAt: '2026-11-24T10:00:00.000Z',
    answeredAt: null,
    endedAt: null,
    end: null,
    codec: null,
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
    ...patch,
  };
}
