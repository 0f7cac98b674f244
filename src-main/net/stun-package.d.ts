/**
 * The part of the `stun` package (2.1.0, CommonJS, untyped) this project uses: its message codec
 * and constants. Its transaction logic (`request`) is not used: it closes the socket it is given
 * and accepts answers from any address.
 */
declare module 'stun' {
  export interface StunAttribute {
    readonly type: number;
    readonly value: unknown;
  }
  export interface StunMessage {
    readonly type: number;
    readonly transactionId: Buffer;
    getAttribute(type: number): StunAttribute | undefined;
  }
  export interface StunRequest extends StunMessage {
    setType(type: number): void;
    setTransactionId(transactionId: Buffer): boolean;
    addXorAddress(address: string, port: number): unknown;
    addAddress(address: string, port: number): unknown;
    addAttribute(type: number, ...values: unknown[]): unknown;
    addError(code: number, reason?: string): unknown;
    addFingerprint(): unknown;
    /**
     * Appends MESSAGE-INTEGRITY: HMAC-SHA1 keyed with `key` over the message so far, its length
     * field already counting the attribute (RFC 5389 §15.4). Add it after every other attribute
     * except FINGERPRINT. For the long-term mechanism the key is MD5(username:realm:password).
     */
    addMessageIntegrity(key: string | Buffer): boolean;
    /** Appends USERNAME; throws beyond 513 bytes (RFC 5389 §15.3). */
    addUsername(username: string | Buffer): unknown;
    removeAttribute(type: number): StunAttribute | undefined;
    toBuffer(): Buffer;
  }
  interface StunServer {
    on(event: string, listener: (...args: never[]) => void): void;
    send(message: StunRequest, port: number, address: string, callback?: () => void): void;
    close(): void;
  }
  const stun: {
    createMessage(type: number, transaction?: Buffer): StunRequest;
    createTransaction(): Buffer;
    createServer(options: { type: 'udp4'; socket?: unknown }): StunServer;
    encode(message: StunRequest): Buffer;
    decode(buffer: Buffer): StunMessage;
    /** Checks a decoded message's MESSAGE-INTEGRITY by re-encoding it (known attributes only). */
    validateMessageIntegrity(message: StunMessage, key: string | Buffer): boolean;
    validateFingerprint(message: StunMessage): boolean;
    constants: Record<string, number>;
  };
  export default stun;
}
