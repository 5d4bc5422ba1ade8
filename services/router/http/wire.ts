// DynamoDB's wire form of an answer: a status, a JSON (or, for the 404, XML) body, and the
// headers every DynamoDB answer carries — `x-amzn-RequestId` and `x-amz-crc32`, the CRC32 of
// the body bytes, which the AWS SDKs check before they parse.

import { crc32 } from 'node:zlib';
import { DynamoError } from '../../../lib/dynamo/index.js';
import { detailOf } from '../error-detail.js';

/** DynamoDB's JSON content type. */
export const amzJsonContentType = 'application/x-amz-json-1.0';

/** An answer ready to be written. */
export interface WireAnswer {
  readonly httpStatus: number;
  readonly body: Buffer;
  readonly contentType: string;
  /** The DynamoDB error name when the answer is an error (for logs and metrics). */
  readonly errorName?: string;
  /** Why a server-side error happened, for the log only (never sent to the client). */
  readonly errorDetail?: string;
}

/** A JSON answer. */
export function jsonAnswer(
  httpStatus: number,
  value: unknown,
  contentType: string,
  errorName?: string,
): WireAnswer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return { httpStatus, body, contentType, ...(errorName === undefined ? {} : { errorName }) };
}

/** The answer for a DynamoDB error from lib/dynamo's catalogue. */
export function errorAnswer(error: DynamoError, contentType: string): WireAnswer {
  const answer = jsonAnswer(error.httpStatus, error.toBody(), contentType, error.name);
  const detail = detailOf(error);
  return detail === undefined ? answer : { ...answer, errorDetail: detail };
}

/**
 * An error DynamoDB sends without a message (SerializationException for malformed JSON,
 * UnknownOperationException for a bad target): lib/dynamo omits an empty message member.
 */
export function bareErrorAnswer(
  name: 'SerializationException' | 'UnknownOperationException',
  contentType: string,
): WireAnswer {
  return errorAnswer(new DynamoError(name, ''), contentType);
}

/** DynamoDB's answer to a request that is not a POST with a JSON content type. */
export function unknownOperationXmlAnswer(): WireAnswer {
  return {
    httpStatus: 404,
    body: Buffer.from('<UnknownOperationException/>\n', 'utf8'),
    contentType: 'text/xml',
    errorName: 'UnknownOperationException',
  };
}

/** The CRC32 DynamoDB sends in `x-amz-crc32`, as an unsigned decimal. */
export function bodyCrc32(body: Buffer): string {
  return String(crc32(body) >>> 0);
}
