import { useEffect, useState } from 'react';
import { AccountLabel } from '../accounts/AccountLabel.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { CallAudio } from '../audio/call-audio.js';
import { SilentVolumeNotice, VolumeSliders } from '../audio/VolumeSliders.js';
import {
  latestStats,
  LevelMeters,
  QualityTrends,
  useCallAudioStatus,
  useQualityHistory,
} from './CallQuality.js';
import { keyAction, type KeyScreen } from './call-keys.js';
import { callLinesOf } from './call-lines.js';
import { CallWaitingBanner, HeldCalls } from './CallLines.js';
import { ConferenceParties } from './Conference.js';
import { CallSecurityNote } from './CallSecurityNote.js';
import { CodecBadge } from './CodecBadge.js';
import { codecLabel } from '../../../src-shared/codec-order.js';
import { numberBesideName, partyNameOf } from '../../../src-shared/number-display.js';
import { AddCallPanel } from './AddCallPanel.js';
import { TransferPanel, TransferStatus } from './CallTransfer.js';
import { noAudioArriving } from './call-watchdog.js';
import { useAsOfTick, useSecondTick } from './second-tick.js';
import { describeRescue } from './rescue-words.js';
import { callQualityWord } from './quality-word.js';
import { Keypad } from '../dialer/Dialer.js';
import { KeypadCannotSend } from './KeypadCannotSend.js';
import { keypadWayWords } from './keypad-words.js';
import { useStoreSlice, type Store } from '../state/store.js';
import { sameCallsApartFromStats } from '../state/same-calls.js';
import { useCallPartyName } from '../contacts/contact-name.js';
import { RecordingControls, RecordingIndicator } from '../recording/CallRecording.js';
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

/** The call's clock, read at the screen's tick. */
function elapsedTime(since: string | null, now: number): string {
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
  // The other lines: a call waiting to be answered, and calls on hold to switch to.
  // Statistics alone render nothing here: the screen reads them at its tick, below.
  const calls = useStoreSlice(store, (s) => s.calls, sameCallsApartFromStats);
  const lines = callLinesOf(calls);
  const conferenceWith = call.conference
    ? calls.find((other) => other.id === call.conference?.withCallId && other.state !== 'ended')
    : undefined;
  const held = lines.held.filter((other) => other.id !== call.id);
  const waiting = lines.waiting?.id === call.id ? null : lines.waiting;
  const [keypad, setKeypad] = useState(false);
  const [transferring, setTransferring] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [volumeShown, setVolumeShown] = useState(false);
  const invoke = store.bridge.invoke.bind(store.bridge);
  const contactName = useCallPartyName(store, call);
  const numberShown = numberBesideName(contactName, call.remote);
  // What changes with time (the clock, the figures, the delay readout, the watchdog) changes
  // together on the screen's one-second tick: one layout and paint a second (call/second-tick.ts).
  const tick = useSecondTick();
  const stats = useAsOfTick(latestStats(store, call), tick);
  const live = call.state === 'connected' || call.state === 'on-hold';
  const { shown: shownStatus, problem: audioProblem } = useCallAudioStatus(audio, tick);
  const samples = useAsOfTick(useQualityHistory(store, call), tick);
  const quality = callQualityWord(samples, stats.rttMs);
  const [sent, setSent] = useState({ callId: call.id, digits: '' });
  const digitsSent = sent.callId === call.id ? sent.digits : '';
  const [keypadRefused, setKeypadRefused] = useState<string | null>(null);
  const keypadWay = keypadWayWords(call.keypad);
  const sendDtmf = (digits: string) => {
    // No digit can go on this call: the screen says why instead of listing digits never sent.
    if (call.keypad === 'none') {
      setKeypadRefused(call.id);
      return;
    }
    // The line keeps the latest digits, as a desk phone's display does.
    setSent({ callId: call.id, digits: (digitsSent + digits).slice(-24) });
    audio?.playKeypadTones(digits);
    void store.act(() => invoke('sendDtmf', { callId: call.id, digits }));
  };
  const toggleMute = () =>
    void store.act(() => invoke('mute', { callId: call.id, mute: !call.muted }));
  // In a conference the big button ends it for everyone; each party has its own hang-up.
  const hangup = () =>
    void store.act(async () => {
      if (conferenceWith) await invoke('hangup', { callId: conferenceWith.id });
      return invoke('hangup', { callId: call.id });
    });
  const screen: KeyScreen = call.state === 'incoming' ? 'incoming' : live ? 'call' : 'outgoing';
  // The phone's keyboard (call/call-keys.ts): Esc hangs up or declines, Enter answers, Ctrl+M
  // mutes, and digits are keypad tones, as on a desk phone (menus, voicemail PINs).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target instanceof HTMLElement ? event.target : null;
      const action = keyAction(
        {
          key: event.key,
          ctrlKey: event.ctrlKey,
          metaKey: event.metaKey,
          altKey: event.altKey,
          target,
        },
        screen,
      );
      if (!action || event.repeat) {
        if (action) event.preventDefault();
        return;
      }
      event.preventDefault();
      if (action.kind === 'dtmf') sendDtmf(action.digit);
      else if (action.kind === 'toggle-mute') toggleMute();
      // With a call waiting, Esc declines it, as on its own ringing screen: a key pressed to
      // dismiss the banner must not end the conversation.
      else if (action.kind === 'hangup' && waiting)
        void store.act(() => invoke('reject', { callId: waiting.id }));
      else if (action.kind === 'hangup') hangup();
      else if (action.kind === 'answer')
        void store.act(() => invoke('answer', { callId: call.id }));
      else if (action.kind === 'decline')
        void store.act(() => invoke('reject', { callId: call.id }));
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  });
  // While the engine is rescuing the audio, its words replace the bare warning.
  const rescue = call.rescue ?? null;
  const noAudio = noAudioArriving({ ...call, stats }, tick) && !rescue;
  if (call.state === 'incoming') {
    return (
      <section className="call incoming" aria-label="Incoming call" aria-live="assertive">
        <HeldCalls store={store} calls={held} />
        <p className="state">Incoming call</p>
        <h1 className="remote">{partyNameOf(contactName, call.remote)}</h1>
        {numberShown && <p className="muted">{numberShown}</p>}
        <AccountLabel store={store} accountId={call.accountId} />
        <div className="answer-row">
          <button
            type="button"
            className="decline"
            aria-keyshortcuts="Escape"
            onClick={() => void store.act(() => invoke('reject', { callId: call.id }))}
          >
            Decline
          </button>
          <button
            type="button"
            className="answer"
            aria-keyshortcuts="Enter"
            onClick={() => void store.act(() => invoke('answer', { callId: call.id }))}
          >
            Answer
          </button>
        </div>
        <p className="key-hints muted">
          <kbd>Enter</kbd> answers · <kbd>Esc</kbd> declines
        </p>
      </section>
    );
  }
  return (
    <section className="call" aria-label="Call" aria-live="polite">
      {waiting && <CallWaitingBanner store={store} call={waiting} />}
      <HeldCalls store={store} calls={held} active={call} />
      {conferenceWith ? (
        <ConferenceParties store={store} legs={[call, conferenceWith]} />
      ) : (
        <>
          <p className="state">{STATE_WORDS[call.state]}</p>
          <h1 className="remote">{partyNameOf(contactName, call.remote)}</h1>
          <AccountLabel store={store} accountId={call.accountId} />
        </>
      )}
      <p className="timer">{live ? elapsedTime(call.answeredAt, tick) : '\u00a0'}</p>
      <RecordingIndicator call={call} />
      {/* On hold no audio flows to judge, and the state above already says so. */}
      {call.state === 'connected' && !noAudio && (
        <p className="quality-word" data-quality={quality?.toLowerCase() ?? 'pending'}>
          {quality ? (
            <>
              <span className="quality-dot" aria-hidden="true" />
              {quality} quality
            </>
          ) : (
            'Checking quality…'
          )}
        </p>
      )}
      <CallSecurityNote store={store} call={call} />
      {call.state === 'connected' && <CodecBadge call={call} />}
      <TransferStatus store={store} call={call} />
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
      {rescue && (
        <p className="rescue-note" role="status" data-recovered={rescue.recovered}>
          {describeRescue(rescue)}
        </p>
      )}
      {live && <SilentVolumeNotice store={store} audio={audio} />}
      {live && <LevelMeters audio={audio} muted={call.muted} problem={audioProblem} />}
      {digitsSent && (
        <p className="dtmf-sent" aria-live="polite">
          Sent: <span className="digits">{digitsSent}</span>
          {keypadWay && `, ${keypadWay}`}
        </p>
      )}
      {live && call.keypad === 'none' && (keypad || keypadRefused === call.id) && (
        <KeypadCannotSend store={store} accountId={call.accountId} />
      )}
      {volumeShown && live && <VolumeSliders store={store} audio={audio} />}
      {keypad && live && <Keypad label="Call keypad" onKey={sendDtmf} />}
      {transferring === call.id && live && (
        <TransferPanel
          store={store}
          call={call}
          held={held}
          onClose={() => setTransferring(null)}
        />
      )}
      {adding && live && !conferenceWith && (
        <AddCallPanel
          store={store}
          call={call}
          holding={partyNameOf(contactName, call.remote)}
          onClose={() => setAdding(false)}
        />
      )}
      <div className="call-controls">
        <button
          type="button"
          aria-pressed={call.muted}
          aria-keyshortcuts="Control+M"
          title="Ctrl+M"
          disabled={!live}
          onClick={toggleMute}
        >
          {call.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          type="button"
          aria-pressed={call.state === 'on-hold'}
          disabled={!live || conferenceWith !== undefined}
          title={conferenceWith ? 'Split the conference to hold one party' : undefined}
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
        <button
          type="button"
          aria-pressed={adding}
          disabled={!live || conferenceWith !== undefined}
          title={conferenceWith ? 'A conference holds two calls already' : undefined}
          onClick={() => {
            setTransferring(null);
            setAdding(!adding);
          }}
        >
          Add call
        </button>
        <button
          type="button"
          aria-pressed={transferring === call.id}
          disabled={!live}
          onClick={() => {
            setAdding(false);
            setTransferring(transferring === call.id ? null : call.id);
          }}
        >
          Transfer
        </button>
        <button
          type="button"
          aria-pressed={volumeShown}
          disabled={!live}
          onClick={() => setVolumeShown(!volumeShown)}
        >
          Volume
        </button>
      </div>
      {live && <RecordingControls store={store} call={call} />}
      <button
        type="button"
        className="hangup"
        aria-keyshortcuts={waiting ? undefined : 'Escape'}
        title={waiting ? undefined : 'Esc'}
        onClick={hangup}
      >
        {conferenceWith ? 'End conference' : 'Hang up'}
      </button>
      {/* Counters mean nothing before media flows; while it rings, the name and state are all. */}
      {(live || stats.packetsSent > 0) && (
        <details className="call-details">
          <summary>Details</summary>
          <dl className="quality" aria-label="Packet figures">
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
              <dt>Round trip</dt>
              {stats.rttMs === undefined ? (
                <dd title="The other side sends no RTCP reports, so the round trip is not known">
                  —
                </dd>
              ) : (
                <dd>{Math.round(stats.rttMs)} ms</dd>
              )}
            </div>
            <div>
              <dt>Codec</dt>
              <dd>{call.codec ? codecLabel(call.codec) : '—'}</dd>
            </div>
          </dl>
          <QualityTrends samples={samples} status={shownStatus} />
        </details>
      )}
    </section>
  );
}
