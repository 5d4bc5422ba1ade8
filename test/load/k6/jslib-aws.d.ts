// Types for the part of k6's AWS jslib these scripts use (SignatureV4 from signature.js).
// k6 fetches the module by URL at run time; @types/k6 does not describe jslib modules.
declare module 'https://jslib.k6.io/aws/0.14.0/signature.js' {
  /** An endpoint `{scheme}://{hostname}[:{port}]`. */
  export class Endpoint {
    constructor(url: string);
  }

  /** Credentials and scope of a signer. */
  export interface SignatureV4Options {
    service: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    uriEscapePath?: boolean;
    applyChecksum?: boolean;
  }

  /** A request to sign. */
  export interface UnsignedRequest {
    method: string;
    endpoint: Endpoint;
    path: string;
    headers: Record<string, string>;
    body?: string | ArrayBuffer;
    query?: Record<string, string | string[]>;
  }

  /** A signed request, ready for k6/http. */
  export interface SignedHTTPRequest {
    url: string;
    headers: Record<string, string>;
  }

  /** AWS Signature Version 4 signer. */
  export class SignatureV4 {
    constructor(options: SignatureV4Options);
    sign(
      request: UnsignedRequest,
      options?: { signingDate?: Date; signingService?: string; signingRegion?: string },
    ): SignedHTTPRequest;
  }
}
