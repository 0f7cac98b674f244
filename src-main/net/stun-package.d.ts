/**
 * The part of the `stun` package (2.1.0, CommonJS, untyped) this project uses: its message codec
 * and constants. Its transaction logic (`request`) is not used: it closes the socket it is given
 * and accepts answers from any address.
 */
declare module 'stun' {
  interface StunAttribute {
    readonly type: number;
    readonly value: unknown;
  }
  interface StunMessage {
    readonly type: number;
    readonly transactionId: Buffer;
    getAttribute(type: number): StunAttribute | undefined;
  }
  interface StunRequest extends StunMessage {
    setType(type: number): void;
    setTransactionId(transactionId: Buffer): boolean;
    addXorAddress(address: string, port: number): unknown;
    addAddress(address: string, port: number): unknown;
    addAttribute(type: number, ...values: unknown[]): unknown;
    addError(code: number, reason?: string): unknown;
    addFingerprint(): unknown;
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
    constants: Record<string, number>;
  };
  export default stun;
}
