import { Subscriber, SubscriptionState, type URI, type UserAgent } from 'sip.js';
import { boundSubscriptionDurations } from '../sip/subscription-durations.js';

export interface MessageSummarySubscriptionOptions {
  userAgent: UserAgent;
  /** The account's address of record: the mailbox subscribed to (RFC 3842 §4). */
  target: URI;
  /** The subscription's Expires; sip.js refreshes it at nine tenths of what the notifier grants. */
  expiresSeconds: number;
  /** How long after a failed or ended subscription the first new SUBSCRIBE waits. */
  retrySeconds: number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** A provider that refuses every SUBSCRIBE is asked again at most this often. */
const MAX_RETRY_SECONDS = 3600;

/**
 * The account's subscription to its mailbox (SUBSCRIBE, Event: message-summary), kept alive:
 * sip.js refreshes it before it expires, and when it ends anyway (a refresh answered 481 after
 * the provider restarted, a NOTIFY saying terminated, no NOTIFY at all) a new one with a fresh
 * dialog follows, after a delay that doubles while the provider keeps refusing. The counts its
 * NOTIFYs carry reach the {@link VoicemailIndicator} through the transport, which knows where
 * each came from; here they are only acknowledged.
 */
export class MessageSummarySubscription {
  private subscriber: Subscriber | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: MessageSummarySubscriptionOptions) {
    boundSubscriptionDurations();
  }

  start(): void {
    if (this.stopped || this.subscriber) return;
    const subscriber = new Subscriber(
      this.options.userAgent,
      this.options.target,
      'message-summary',
      {
        expires: this.options.expiresSeconds,
        extraHeaders: ['Accept: application/simple-message-summary'],
      },
    );
    subscriber.delegate = {
      onNotify: (notification) => {
        this.failures = 0;
        notification.accept().catch(() => undefined);
      },
    };
    subscriber.stateChange.addListener((state) => {
      if (state === SubscriptionState.Terminated) this.ended(subscriber);
    });
    this.subscriber = subscriber;
    subscriber.subscribe().catch(() => this.ended(subscriber));
  }

  /** Ends the subscription (SUBSCRIBE with Expires: 0 when it is active), once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (!subscriber) return;
    await Promise.race([
      subscriber.unsubscribe().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 500)),
    ]);
    await subscriber.dispose().catch(() => undefined);
  }

  private ended(subscriber: Subscriber): void {
    if (this.subscriber !== subscriber) return;
    this.subscriber = null;
    subscriber.dispose().catch(() => undefined);
    if (this.stopped) return;
    const delaySeconds = Math.min(
      this.options.retrySeconds * 2 ** Math.min(this.failures, 12),
      MAX_RETRY_SECONDS,
    );
    this.failures++;
    this.options.log?.(
      'info',
      `the voicemail subscription ended; subscribing again in ${delaySeconds} s`,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, delaySeconds * 1000);
    this.retryTimer.unref?.();
  }
}
