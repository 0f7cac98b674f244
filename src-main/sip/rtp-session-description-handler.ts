import type {
  BodyAndContentType,
  SessionDescriptionHandler,
  SessionDescriptionHandlerOptions,
} from 'sip.js';
import type { CallMediaPort } from './call-media-port.js';

/** Options our SDH understands beyond sip.js's (which only names WebRTC constraints). */
export interface RtpSessionDescriptionHandlerOptions extends SessionDescriptionHandlerOptions {
  hold?: boolean;
}

/**
 * sip.js `SessionDescriptionHandler` for plain RTP/AVP audio (no WebRTC): offers and answers are
 * produced and applied by the call's {@link CallMediaPort}.
 */
export class RtpSessionDescriptionHandler implements SessionDescriptionHandler {
  constructor(private readonly media: CallMediaPort) {}

  close(): void {
    this.media.close();
  }

  async getDescription(options?: RtpSessionDescriptionHandlerOptions): Promise<BodyAndContentType> {
    await this.media.prepare();
    const body = await this.media.localDescription({ hold: options?.hold === true });
    return { body, contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  setDescription(sdp: string): Promise<void> {
    try {
      this.media.applyRemoteDescription(sdp);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  sendDtmf(tones: string): boolean {
    return this.media.sendDtmf(tones);
  }
}
