import { useEffect, useState } from 'react';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { CallAudio } from '../audio/call-audio.js';
import { CallQuality } from './CallQuality.js';
import { noAudioArriving } from './call-watchdog.js';
import { Keypad } from '../dialer/Dialer.js';
import type { Store } from '../state/store.js';
import './call.css';

const STATE_WORDS: Record<CallInfo['state'], string> = {
  calling: 'Calling…',
  ringing: 'Ringing…',
  'early-media': 'Connecting (early audio)…',
  incoming: 'Incoming call',
  connected: 'Connected',
  'on-hold': 'On hold',
  ended: 'Call ended',
};

function useElapsed(since: string | null): string {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!since) return '0:00';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function CallView({
  store,
  call,
  audio,
  onCheckConnection,
  checkPending = false,
}: {
  store: Store;
  call: CallInfo;
  audio: CallAudio | null;
  /** Asks for "Check my connection"; it opens when the call ends. */
  onCheckConnection?: () => void;
  checkPending?: boolean;
}) {
  const elapsed = useElapsed(call.answeredAt);
  const [keypad, setKeypad] = useState(false);
  const invoke = store.bridge.invoke.bind(store.bridge);
  const { stats } = call;
  const live = call.state === 'connected' || call.state === 'on-hold';
  // Digits typed during a call are keypad tones, as on a desk phone (menus, voicemail PINs).
  useEffect(() => {
    if (!live) return undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.ctrlKey || event.metaKey || event.altKey || target?.tagName === 'INPUT') return;
      if (!/^[0-9*#]$/.test(event.key)) return;
      event.preventDefault();
      void store.act(() => store.bridge.invoke('sendDtmf', { callId: call.id, digits: event.key }));
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [live, call.id, store]);
  // Re-evaluated on every render, and useElapsed renders once a second.
  const noAudio = noAudioArriving(call, Date.now());
  if (call.state === 'incoming') {
    return (
      <section className="call incoming" aria-label="Incoming call" aria-live="assertive">
        <p className="state">Incoming call</p>
        <h1 className="remote">{call.remoteDisplayName ?? call.remote}</h1>
        {call.remoteDisplayName && <p className="muted">{call.remote}</p>}
        <div className="answer-row">
          <button
            type="button"
            className="decline"
            onClick={() => void store.act(() => invoke('reject', { callId: call.id }))}
          >
            Decline
          </button>
          <button
            type="button"
            className="answer"
            onClick={() => void store.act(() => invoke('answer', { callId: call.id }))}
          >
            Answer
          </button>
        </div>
      </section>
    );
  }
  return (
    <section className="call" aria-label="Call" aria-live="polite">
      <p className="state">{STATE_WORDS[call.state]}</p>
      <h1 className="remote">{call.remoteDisplayName ?? call.remote}</h1>
      <p className="timer">{live ? elapsed : '\u00a0'}</p>
      {noAudio && (
        <div className="warning one-way" role="alert">
          <p>
            <strong>No audio is arriving.</strong> We sent {stats.packetsSent} packets and received
            none, so you will not hear the other side. This is usually the router (NAT or SIP ALG).
          </p>
          {onCheckConnection &&
            (checkPending ? (
              <p className="muted">The connection check opens when this call ends.</p>
            ) : (
              <button type="button" onClick={onCheckConnection}>
                Check my connection
              </button>
            ))}
        </div>
      )}
      {/* Counters mean nothing before media flows; while it rings, the name and state are all. */}
      {(live || stats.packetsSent > 0) && (
        <dl className="quality" aria-label="Call quality">
          <div>
            <dt>Sent</dt>
            <dd>{stats.packetsSent}</dd>
          </div>
          <div>
            <dt>Received</dt>
            <dd>{stats.packetsReceived}</dd>
          </div>
          <div>
            <dt>Lost</dt>
            <dd>{stats.packetsLost}</dd>
          </div>
          <div>
            <dt>Jitter</dt>
            <dd>{stats.jitterMs.toFixed(1)} ms</dd>
          </div>
          <div>
            <dt>Codec</dt>
            <dd>{call.codec ?? '—'}</dd>
          </div>
        </dl>
      )}
      {live && <CallQuality call={call} audio={audio} />}
      {keypad && live && (
        <Keypad
          label="Call keypad"
          onKey={(digits) => void store.act(() => invoke('sendDtmf', { callId: call.id, digits }))}
        />
      )}
      <div className="call-controls">
        <button
          type="button"
          aria-pressed={call.muted}
          disabled={!live}
          onClick={() =>
            void store.act(() => invoke('mute', { callId: call.id, mute: !call.muted }))
          }
        >
          {call.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          type="button"
          aria-pressed={call.state === 'on-hold'}
          disabled={!live}
          onClick={() =>
            void store.act(() =>
              invoke('hold', { callId: call.id, hold: call.state !== 'on-hold' }),
            )
          }
        >
          {call.state === 'on-hold' ? 'Resume' : 'Hold'}
        </button>
        <button
          type="button"
          aria-pressed={keypad}
          disabled={!live}
          onClick={() => setKeypad(!keypad)}
        >
          Keypad
        </button>
      </div>
      <button
        type="button"
        className="hangup"
        onClick={() => void store.act(() => invoke('hangup', { callId: call.id }))}
      >
        Hang up
      </button>
    </section>
  );
}
