import { describe, expect, it } from 'vitest';
import { eventSchemas } from '../../../src-shared/engine-contract.js';
import { EVENT_CHANNEL_NAMES, INVOKE_CHANNEL_NAMES } from '../../../src-shared/ipc-channels.js';
import {
  EVENT_NAMES,
  appEventSchemas,
  bridgeEventSchemas,
  eventChannel,
  invokeSchemas,
  isAppEventName,
  isEventName,
  type BridgeEventPayload,
  type NatterBridge,
} from '../../../src-shared/ipc-contract.js';

describe('the zod-free channel lists the preload uses', () => {
  it('name exactly the commands and events the schemas define', () => {
    expect([...INVOKE_CHANNEL_NAMES].sort()).toEqual(Object.keys(invokeSchemas).sort());
    expect([...EVENT_CHANNEL_NAMES].sort()).toEqual(Object.keys(bridgeEventSchemas).sort());
  });

  it('carry a dial event that takes a number and nothing else', () => {
    expect(appEventSchemas.dial.parse({ number: '+15145550100' })).toEqual({
      number: '+15145550100',
    });
    expect(appEventSchemas.dial.safeParse({ number: '' }).success).toBe(false);
    expect(appEventSchemas.dial.safeParse({ number: '1', call: true }).success).toBe(false);
  });
});

describe('the bridge’s events', () => {
  it('are the engine’s and the app’s, each once, none shadowing another', () => {
    const engine = Object.keys(eventSchemas);
    const app = Object.keys(appEventSchemas);
    expect(app).toContain('doctorStep');
    expect(engine.filter((name) => app.includes(name))).toEqual([]);
    expect([...EVENT_NAMES].sort()).toEqual([...engine, ...app].sort());
  });

  it('tell contract events from anything else, prototype keys included', () => {
    expect(isEventName('doctorStep')).toBe(true);
    expect(isEventName('call')).toBe(true);
    expect(isEventName('dial')).toBe(true);
    expect(isEventName('ring')).toBe(false);
    expect(isEventName('__proto__')).toBe(false);
    expect(isEventName('toString')).toBe(false);
    expect(isAppEventName('doctorStep')).toBe(true);
    expect(isAppEventName('call')).toBe(false);
    expect(eventChannel('doctorStep')).toBe('natter:event:doctorStep');
  });

  it('type a doctorStep listener with the step’s shape', () => {
    const seen: string[] = [];
    const bridge: Pick<NatterBridge, 'on'> = {
      on: (_event, listener) => {
        (listener as (payload: BridgeEventPayload<'doctorStep'>) => void)({
          id: 'nat',
          status: 'pass',
          summary: 'no NAT',
          evidence: {},
          durationMs: 3,
        });
        return () => undefined;
      },
    };
    bridge.on('doctorStep', (step) => seen.push(`${step.id}:${step.status}`));
    expect(seen).toEqual(['nat:pass']);
  });
});

describe('the doctor and trace commands', () => {
  it('fill the doctor request’s defaults and refuse anything else', () => {
    const { request } = invokeSchemas.runDoctor;
    expect(request.parse({})).toEqual({ full: false, echo: '4443', apply: false });
    expect(request.parse({ full: true, echo: '*97', apply: true })).toEqual({
      full: true,
      echo: '*97',
      apply: true,
    });
    for (const bad of [{ full: 1 }, { echo: '' }, { echo: 'sip:x' }, { account: {} }]) {
      expect(request.safeParse(bad).success).toBe(false);
    }
  });

  it('take no arguments for applying a fix or reading the trace', () => {
    for (const name of ['applyDoctorFix', 'getSipTrace'] as const) {
      expect(invokeSchemas[name].request.safeParse({}).success).toBe(true);
      expect(invokeSchemas[name].request.safeParse({ fix: { stunServers: [] } }).success).toBe(
        false,
      );
    }
  });

  it('bound the trace at 200 messages with a peer and a direction each', () => {
    const entry = {
      seq: 0,
      at: new Date(0).toISOString(),
      direction: 'out',
      peer: { address: '127.0.0.1', port: 5060 },
      message: 'OPTIONS sip:x SIP/2.0\r\n\r\n',
    };
    const { response } = invokeSchemas.getSipTrace;
    expect(response.safeParse(Array(200).fill(entry)).success).toBe(true);
    expect(response.safeParse(Array(201).fill(entry)).success).toBe(false);
    expect(response.safeParse([{ ...entry, direction: 'sideways' }]).success).toBe(false);
  });
});
