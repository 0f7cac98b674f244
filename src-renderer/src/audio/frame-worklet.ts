/**
 * The audio worklet between the devices and main: on the audio thread, it runs the frame pipe
 * (./frame-pipe.ts: microphone frames out, received frames played) and talks to main over its own
 * MessagePort, handed over by the page, so call audio never crosses the page's main thread. It
 * reports levels and the playout delay to the page a few times a second.
 *
 * The context runs at the link's 16 kHz in the app (its render quantum of 128 samples is 8 ms
 * there, against 16 ms at 8 kHz, which halves what the jitter buffer must hold and lets the output
 * device run a shorter buffer), so samples pass straight through; the browser resamples between
 * the context and the devices. A context at a whole multiple of 16 kHz is filtered and resampled
 * by the pipe.
 */
import { FramePipe } from './frame-pipe.js';

class FrameProcessor extends AudioWorkletProcessor {
  private link: MessagePort | null = null;
  /** The call screen's meter worker (call/meter-worker.ts), which draws them off the page. */
  private meters: MessagePort | null = null;
  private readonly pipe = new FramePipe(sampleRate, {
    toMain: (message, transfer) => this.link?.postMessage(message, transfer),
    toPage: (report) => this.port.postMessage(report),
    toMeters: (micPeak, speakerPeak) => {
      this.meters?.postMessage({ kind: 'levels', micPeak, speakerPeak });
      return this.meters !== null;
    },
  });

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent) => {
      const data = event.data as {
        kind?: string;
        port?: MessagePort | null;
        microphone?: number;
        speaker?: number;
      };
      if (data.kind === 'volumes') {
        this.pipe.setVolumes(data.microphone ?? 1, data.speaker ?? 1);
      } else if (data.kind === 'link' && data.port) {
        this.link = data.port;
        this.link.onmessage = (message: MessageEvent) => this.fromMain(message.data);
      } else if (data.kind === 'meters') {
        this.meters?.close();
        this.meters = data.port ?? null;
      }
    };
  }

  private fromMain(data: { kind?: string; pcm?: ArrayBuffer; at?: number; ms?: number }): void {
    if (data.kind === 'uplink-delay' && typeof data.ms === 'number') {
      this.pipe.setUplinkDelay(data.ms);
    } else if (data.kind === 'speaker' && data.pcm instanceof ArrayBuffer) {
      const now = Date.now();
      this.pipe.enqueue(new Int16Array(data.pcm), typeof data.at === 'number' ? data.at : now, now);
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    this.pipe.process(inputs[0]?.[0], outputs[0]?.[0], Date.now());
    return true;
  }
}

registerProcessor('natter-frames', FrameProcessor);
