import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ObjectChangedError, s3ObjectStore } from '../../shared/import/object-store.ts';

/**
 * On AWS the import bucket is versioned and S3 honours If-Match: an import reads and deletes exactly the
 * object its event named. These are the requests AWS sees and the answer S3 gives for a replaced object,
 * which the local emulator cannot produce (it has no versions and ignores If-Match).
 */
const s3 = new S3Client({ region: 'eu-south-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

describe('reading and deleting the exact uploaded object', () => {
  it('a versioned object: reads and deletes that version, from the checkpoint', async () => {
    const mock = mockClient(s3);
    mock.on(GetObjectCommand).resolves({ Body: (async function* () {})() as never, ETag: '"other"' });
    mock.on(DeleteObjectCommand).resolves({});
    const store = s3ObjectStore(s3);
    await store.read('b', 'imports/t/a.csv', 1200, { etag: 'abc', versionId: 'v1' });
    await store.delete('b', 'imports/t/a.csv', 'v1');
    expect(mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'imports/t/a.csv', Range: 'bytes=1200-', VersionId: 'v1' });
    expect(mock.commandCalls(DeleteObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'imports/t/a.csv', VersionId: 'v1' });
    mock.restore();
  });

  it('an unversioned object is read under If-Match, and S3\'s 412 means the key holds another upload now', async () => {
    const mock = mockClient(s3);
    mock
      .on(GetObjectCommand)
      .rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }));
    const store = s3ObjectStore(s3);
    await expect(store.read('b', 'imports/t/a.csv', 0, { etag: 'abc' })).rejects.toBeInstanceOf(ObjectChangedError);
    expect(mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'imports/t/a.csv', IfMatch: '"abc"' });
    mock.restore();
  });
});

describe('deleting the versions a rewrite replaced (erasure of an error report)', () => {
  it('deletes every older version and delete marker of exactly that key, page after page, and keeps the current one', async () => {
    const mock = mockClient(s3);
    const key = 'reports/t/01ABC.csv';
    mock
      .on(ListObjectVersionsCommand)
      .resolvesOnce({
        IsTruncated: true,
        NextKeyMarker: key,
        NextVersionIdMarker: 'v2',
        Versions: [
          { Key: key, VersionId: 'v3', IsLatest: true },
          { Key: key, VersionId: 'v2', IsLatest: false },
        ],
      })
      .resolvesOnce({
        IsTruncated: false,
        Versions: [{ Key: `${key}.bak`, VersionId: 'other', IsLatest: true }],
        DeleteMarkers: [{ Key: key, VersionId: 'm1', IsLatest: false }],
      });
    mock.on(DeleteObjectCommand).resolves({});
    expect(await s3ObjectStore(s3).deleteOlderVersions('b', key)).toBe(2);
    expect(mock.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'b', Prefix: key },
      { Bucket: 'b', Prefix: key, KeyMarker: key, VersionIdMarker: 'v2' },
    ]);
    expect(mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'b', Key: key, VersionId: 'v2' },
      { Bucket: 'b', Key: key, VersionId: 'm1' },
    ]);
    mock.restore();
  });

  it('a store without versioning (s3rver refuses the listing with 405) has none to delete; any other error is thrown', async () => {
    const mock = mockClient(s3);
    mock
      .on(ListObjectVersionsCommand)
      .rejectsOnce(new S3ServiceException({ name: 'MethodNotAllowed', $fault: 'client', $metadata: { httpStatusCode: 405 }, message: 'The specified method is not allowed against this resource.' }));
    expect(await s3ObjectStore(s3).deleteOlderVersions('b', 'reports/t/x.csv')).toBe(0);
    mock.on(ListObjectVersionsCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'denied' }));
    await expect(s3ObjectStore(s3).deleteOlderVersions('b', 'reports/t/x.csv')).rejects.toThrow('denied');
    expect(mock.commandCalls(DeleteObjectCommand)).toEqual([]);
    mock.restore();
  });
});
