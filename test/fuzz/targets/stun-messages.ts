/**
 * STUN and TURN messages built from their fields (RFC 5389 §6 header, §15 attributes; RFC 8656
 * attributes), seeded with the RFC 5769 test vectors.
 */
import fc from 'fast-check';

export const MAGIC_COOKIE = 0x2112a442;

/** RFC 5769 §2.1: sample request (USERNAME, MESSAGE-INTEGRITY, FINGERPRINT). */
export const RFC5769_REQUEST = Buffer.from(
  '000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff' +
    '80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249' +
    'c1b571a280280004e57a3bcf',
  'hex',
);

/** RFC 5769 §2.2: sample IPv4 response (XOR-MAPPED-ADDRESS 192.0.2.1:32853). */
export const RFC5769_IPV4_RESPONSE = Buffer.from(
  '0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643' +
    '000800146e4296c97c56e1e7a88ffd1e16e6d43b1a74ad0c8028000405b9ddb8',
  'hex',
);

/** Attribute types a Binding or TURN client reads, and some it must skip. */
export const ATTRIBUTE_TYPES = {
  MAPPED_ADDRESS: 0x0001,
  RESPONSE_ADDRESS: 0x0002,
  CHANGE_REQUEST: 0x0003,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
  RESPONSE_PORT: 0x0027,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  OTHER_ADDRESS: 0x802c,
} as const;

const ADDRESS_TYPES = new Set<number>([
  ATTRIBUTE_TYPES.MAPPED_ADDRESS,
  ATTRIBUTE_TYPES.RESPONSE_ADDRESS,
  ATTRIBUTE_TYPES.XOR_PEER_ADDRESS,
  ATTRIBUTE_TYPES.XOR_RELAYED_ADDRESS,
  ATTRIBUTE_TYPES.XOR_MAPPED_ADDRESS,
  ATTRIBUTE_TYPES.OTHER_ADDRESS,
]);

export interface StunAttributeSpec {
  type: number;
  value: Uint8Array;
  /** Overrides the length field (a lie); undefined writes the true length. */
  length?: number;
  /** Padding bytes written after the value; undefined pads to 4 as RFC 5389 §15 asks. */
  padding?: number;
}

export interface StunMessageSpec {
  type: number;
  cookie: number;
  transactionId: Uint8Array;
  attributes: StunAttributeSpec[];
  /** Overrides the header's message length. */
  length?: number;
}

/** The value of an address attribute (RFC 5389 §15.1/§15.2): family, port, address. */
function addressValue(family: number, port: number, address: Uint8Array): Uint8Array {
  const value = Buffer.alloc(4 + address.length);
  value[1] = family;
  value.writeUInt16BE(port, 2);
  Buffer.from(address).copy(value, 4);
  return value;
}

/** ERROR-CODE (RFC 5389 §15.6): class in 3 bits, number 0–99, then a UTF-8 reason. */
function errorCodeValue(errorClass: number, number: number, reason: string): Uint8Array {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const value = Buffer.alloc(4 + reasonBytes.length);
  value[2] = errorClass;
  value[3] = number;
  reasonBytes.copy(value, 4);
  return value;
}

const addressAttributeValue = fc.oneof(
  fc
    .tuple(fc.nat({ max: 0xffff }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
    .map(([port, address]) => addressValue(0x01, port, address)),
  fc
    .tuple(fc.nat({ max: 0xffff }), fc.uint8Array({ minLength: 16, maxLength: 16 }))
    .map(([port, address]) => addressValue(0x02, port, address)),
  fc
    .tuple(fc.nat({ max: 255 }), fc.nat({ max: 0xffff }), fc.uint8Array({ maxLength: 20 }))
    .map(([family, port, address]) => addressValue(family, port, address)),
);

const errorCodeAttributeValue = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(300, 400, 401, 403, 420, 437, 438, 440, 441, 442, 486, 500, 508),
      fc.string({ maxLength: 40 }),
    )
    .map(([code, reason]) => errorCodeValue(Math.floor(code / 100), code % 100, reason)),
  fc
    .tuple(
      fc.nat({ max: 255 }),
      fc.nat({ max: 255 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
    )
    .map(([errorClass, number, reason]) => errorCodeValue(errorClass, number, reason)),
);

const attributeSpec: fc.Arbitrary<StunAttributeSpec> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ADDRESS_TYPES), addressAttributeValue)
    .map(([type, value]) => ({ type, value })),
  errorCodeAttributeValue.map((value) => ({ type: ATTRIBUTE_TYPES.ERROR_CODE, value })),
  fc
    .tuple(
      fc.constantFrom(
        ATTRIBUTE_TYPES.USERNAME,
        ATTRIBUTE_TYPES.REALM,
        ATTRIBUTE_TYPES.NONCE,
        ATTRIBUTE_TYPES.SOFTWARE,
      ),
      fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 800 })),
    )
    .map(([type, text]) => ({ type, value: Buffer.from(text, 'utf8') })),
  fc
    .tuple(
      fc.constantFrom(
        ATTRIBUTE_TYPES.LIFETIME,
        ATTRIBUTE_TYPES.CHANNEL_NUMBER,
        ATTRIBUTE_TYPES.REQUESTED_TRANSPORT,
        ATTRIBUTE_TYPES.FINGERPRINT,
        ATTRIBUTE_TYPES.RESPONSE_PORT,
        ATTRIBUTE_TYPES.CHANGE_REQUEST,
      ),
      fc.uint8Array({ minLength: 0, maxLength: 8 }),
    )
    .map(([type, value]) => ({ type, value })),
  fc
    .tuple(
      fc.constantFrom(ATTRIBUTE_TYPES.MESSAGE_INTEGRITY, ATTRIBUTE_TYPES.DATA),
      fc.uint8Array({ maxLength: 64 }),
    )
    .map(([type, value]) => ({ type, value })),
  fc
    .tuple(fc.nat({ max: 0xffff }), fc.uint8Array({ maxLength: 32 }))
    .map(([type, value]) => ({ type, value })),
);

const lyingAttribute: fc.Arbitrary<StunAttributeSpec> = fc
  .tuple(
    attributeSpec,
    fc.option(fc.oneof(fc.constantFrom(0, 1, 3, 0xffff), fc.nat({ max: 0xffff })), {
      freq: 5,
    }),
    fc.option(fc.nat({ max: 7 }), { freq: 5 }),
  )
  .map(([spec, length, padding]) => ({
    ...spec,
    ...(length === null ? {} : { length }),
    ...(padding === null ? {} : { padding }),
  }));

const MESSAGE_TYPES = [
  0x0001, 0x0101, 0x0111, 0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0114, 0x0008, 0x0108, 0x0118,
  0x0009, 0x0109, 0x0119, 0x0016, 0x0017,
];

export function stunMessageSpec(types: readonly number[] = MESSAGE_TYPES) {
  return fc.record(
    {
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...types) },
        { weight: 1, arbitrary: fc.nat({ max: 0x3fff }) },
      ),
      cookie: fc.oneof(
        { weight: 9, arbitrary: fc.constant(MAGIC_COOKIE) },
        { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) },
      ),
      transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
      attributes: fc.oneof(
        fc.array(attributeSpec, { maxLength: 6 }),
        fc.array(lyingAttribute, { maxLength: 4 }),
        // The same attribute many times over: a decoder must not grow without bound.
        fc
          .tuple(attributeSpec, fc.integer({ min: 2, max: 300 }))
          .map(([spec, times]) => Array.from({ length: times }, () => spec)),
      ),
      length: fc.option(fc.nat({ max: 0xffff }), { freq: 8 }),
    },
    { requiredKeys: ['type', 'cookie', 'transactionId', 'attributes'] },
  ) as fc.Arbitrary<StunMessageSpec>;
}

export function encodeStun(spec: StunMessageSpec): Buffer {
  const attributes = spec.attributes.map((attribute) => {
    const padding = attribute.padding ?? (4 - (attribute.value.length % 4)) % 4;
    const bytes = Buffer.alloc(4 + attribute.value.length + padding);
    bytes.writeUInt16BE(attribute.type & 0xffff, 0);
    bytes.writeUInt16BE((attribute.length ?? attribute.value.length) & 0xffff, 2);
    Buffer.from(attribute.value).copy(bytes, 4);
    return bytes;
  });
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(spec.type & 0x3fff, 0);
  header.writeUInt16BE((spec.length ?? body.length) & 0xffff, 2);
  header.writeUInt32BE(spec.cookie >>> 0, 4);
  Buffer.from(spec.transactionId).copy(header, 8);
  return Buffer.concat([header, body]);
}

/** Valid-looking STUN/TURN datagrams: the RFC 5769 vectors and messages built from fields. */
export function stunDatagrams(types?: readonly number[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(RFC5769_REQUEST, RFC5769_IPV4_RESPONSE) },
    { weight: 6, arbitrary: stunMessageSpec(types).map(encodeStun) },
  );
}
