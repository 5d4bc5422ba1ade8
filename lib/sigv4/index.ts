// AWS Signature Version 4: signing for clients (the load generator), verification for the
// router. Pure apart from node:crypto hashing; the clock is always an argument.
export {
  EMPTY_PAYLOAD_SHA256,
  SIGV4_ALGORITHM,
  canonicalRequest,
  credentialScope,
  formatAmzDate,
  headerValue,
  parseAmzDate,
  sha256Hex,
  signature,
  signingKey,
  stringToSign,
  uriEncode,
} from './canonical.js';
export type { HeaderValue, SignableRequest } from './canonical.js';
export { createSigner, signRequest, signableHeaderNames } from './sign.js';
export type { Credentials, SignOptions, SignedRequest, Signer } from './sign.js';
export { parseAuthorization, verifyRequest } from './verify.js';
export type {
  ParsedAuthorization,
  VerifyFailure,
  VerifyFailureReason,
  VerifyOptions,
  VerifyResult,
} from './verify.js';
