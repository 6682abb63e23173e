import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** The S3 operations an import needs, as a port so the domain does not know the SDK. */
export interface ObjectStore {
  /** The object's bytes from `offset` (a ranged GET), as a stream; undefined when it no longer exists. */
  read(bucket: string, key: string, offset: number): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Writes an object from a stream of text (multipart for large bodies). */
  write(bucket: string, key: string, body: AsyncIterable<string>, contentType: string): Promise<void>;
  delete(bucket: string, key: string): Promise<void>;
}

export function s3ObjectStore(s3: S3Client): ObjectStore {
  return {
    async read(Bucket, Key, offset) {
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket, Key, ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) }));
        return res.Body as Readable;
      } catch (e) {
        if (e instanceof NoSuchKey || (e as Error).name === 'NoSuchKey') return undefined;
        // A range starting at the end of the file: nothing left to read.
        if ((e as Error).name === 'InvalidRange' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return (async function* () {})();
        throw e;
      }
    },
    async write(Bucket, Key, body, ContentType) {
      await new Upload({ client: s3, params: { Bucket, Key, Body: Readable.from(body), ContentType } }).done();
    },
    async delete(Bucket, Key) {
      await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    },
  };
}

/** A browser/curl upload target: presigned POST limited to one key and at most `maxBytes`. */
export async function presignUpload(s3: S3Client, Bucket: string, Key: string, maxBytes: number, expiresSeconds: number) {
  const { url, fields } = await createPresignedPost(s3, {
    Bucket,
    Key,
    Conditions: [
      ['content-length-range', 1, maxBytes],
      ['starts-with', '$key', Key],
    ],
    Expires: expiresSeconds,
  });
  return { url, fields };
}

export const presignDownload = (s3: S3Client, Bucket: string, Key: string, expiresSeconds: number) =>
  getSignedUrl(s3, new GetObjectCommand({ Bucket, Key }), { expiresIn: expiresSeconds });
