import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** One exact object: the version (versioned bucket) or else the ETag the S3 event named. */
export interface ObjectPin {
  etag: string;
  versionId?: string;
}

/** The object under the key is no longer the one the import started on (it was uploaded again). */
export class ObjectChangedError extends Error {}

/** The S3 operations an import needs, as a port so the domain does not know the SDK. */
export interface ObjectStore {
  /** The object's bytes from `offset` (a ranged GET), as a stream; undefined when it no longer exists.
   * With `pin`, reads exactly that object and throws ObjectChangedError if the key now holds another: a
   * continuation must not splice the bytes of a newer upload onto a checkpoint taken in the old one. */
  read(bucket: string, key: string, offset: number, pin?: ObjectPin): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Writes an object from a stream of text (multipart for large bodies). */
  write(bucket: string, key: string, body: AsyncIterable<string>, contentType: string): Promise<void>;
  /** Deletes the object; with `versionId`, that version for good (a plain delete on a versioned bucket only
   * hides the data behind a delete marker, and would hide a newer upload of the same key instead). */
  delete(bucket: string, key: string, versionId?: string): Promise<void>;
}

/** An object store that can also remove what a rewrite replaced (the import bucket is versioned). */
export interface VersionedObjectStore extends ObjectStore {
  /**
   * Deletes for good every version of exactly this key but the current one (older versions and delete
   * markers): what a rewrite replaced stays readable in a versioned bucket until its lifecycle expires it,
   * so a rewrite that removes data (erasure redacting a report) deletes the older versions itself.
   * Answers how many versions went. A store that keeps no versions has none to delete.
   */
  deleteOlderVersions(bucket: string, key: string): Promise<number>;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

export function s3ObjectStore(s3: S3Client): VersionedObjectStore {
  return {
    async read(Bucket, Key, offset, pin) {
      try {
        const res = await s3.send(
          new GetObjectCommand({
            Bucket,
            Key,
            ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
            ...(pin?.versionId ? { VersionId: pin.versionId } : pin?.etag ? { IfMatch: `"${unquote(pin.etag)}"` } : {}),
          }),
        );
        // Checked here too: not every S3-compatible store honours If-Match on GET (s3rver ignores it).
        if (pin && !pin.versionId && pin.etag && res.ETag && unquote(res.ETag) !== unquote(pin.etag)) {
          (res.Body as Readable).destroy();
          throw new ObjectChangedError(`${Key} was replaced by another upload`);
        }
        return res.Body as Readable;
      } catch (e) {
        if (e instanceof ObjectChangedError) throw e;
        if (e instanceof NoSuchKey || (e as Error).name === 'NoSuchKey' || (e as Error).name === 'NoSuchVersion') return undefined;
        if ((e as Error).name === 'PreconditionFailed' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) {
          throw new ObjectChangedError(`${Key} was replaced by another upload`);
        }
        // A range starting at the end of the file: nothing left to read, if it is still the same file.
        if ((e as Error).name === 'InvalidRange' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
          if (pin && !pin.versionId && pin.etag) {
            const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
            if (unquote(head.ETag) !== unquote(pin.etag)) throw new ObjectChangedError(`${Key} was replaced by another upload`);
          }
          return (async function* () {})();
        }
        throw e;
      }
    },
    async write(Bucket, Key, body, ContentType) {
      await new Upload({ client: s3, params: { Bucket, Key, Body: Readable.from(body), ContentType } }).done();
    },
    async delete(Bucket, Key, VersionId) {
      await s3.send(new DeleteObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
    },
    async deleteOlderVersions(Bucket, Key) {
      let deleted = 0;
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      do {
        let page;
        try {
          page = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key, KeyMarker, VersionIdMarker }));
        } catch (e) {
          // s3rver (the local runtime and tests) implements no versioning and refuses the listing (405
          // MethodNotAllowed on the VERSIONS resource): a rewrite there replaced the only copy. S3 answers neither.
          if (['NotImplemented', 'MethodNotAllowed'].includes((e as Error).name)) return deleted;
          throw e;
        }
        // Prefix also matches longer keys (`a.csv` and `a.csv.old`): exactly this key only. The current version
        // (`IsLatest`) stays, whoever wrote it: a concurrent rewrite's newer version is not this one's to remove.
        const older = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key === Key && !v.IsLatest && v.VersionId);
        for (const v of older) {
          await s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId: v.VersionId }));
          deleted++;
        }
        ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
        if (!page.IsTruncated) break;
      } while (KeyMarker !== undefined);
      return deleted;
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
