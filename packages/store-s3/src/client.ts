/** The S3Client the store creates when it is not handed one. */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { ResolvedS3Options } from './options.js';

export function createClient(options: ResolvedS3Options): S3Client {
  const config: S3ClientConfig = {
    forcePathStyle: options.forcePathStyle,
    maxAttempts: options.maxAttempts,
    // Checksums only where S3 requires them: the CRC trailers of newer SDKs are refused or mishandled by several
    // S3-compatible servers, and TLS already protects the bytes in transit. It also spares hashing big documents.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.operationTimeoutMs !== null)
    // connectionTimeout bounds the TCP/TLS connect, requestTimeout an idle socket; the store's own deadline
    // (an AbortSignal per request) bounds the whole call.
    config.requestHandler = {
      connectionTimeout: options.operationTimeoutMs,
      requestTimeout: options.operationTimeoutMs,
    };
  return new S3Client(config);
}
