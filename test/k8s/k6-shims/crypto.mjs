// Node stand-in for k6's `k6/crypto`, enough for the load test's SigV4 signing.
import { Buffer } from 'node:buffer';
import { createHash, createHmac } from 'node:crypto';

function output(buffer, encoding) {
  if (encoding === 'hex') return buffer.toString('hex');
  // k6 returns an ArrayBuffer for 'binary'.
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
}

export function sha256(data, encoding) {
  return output(createHash('sha256').update(data).digest(), encoding);
}

export function hmac(algorithm, secret, data, encoding) {
  const key = typeof secret === 'string' ? secret : Buffer.from(secret);
  return output(createHmac(algorithm, key).update(data).digest(), encoding);
}

export default { sha256, hmac };
