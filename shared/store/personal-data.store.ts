import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PersonalDataFiles } from '../privacy/personal-data.ports.ts';

/** What a browser or curl saves a spilled access export as (the same name as the inline answer's). */
export const PERSONAL_DATA_DISPOSITION = 'attachment; filename="personal-data.json"';

/** Spilled access exports in the export bucket (the bucket is not versioned: a deleted object is gone). */
export function s3PersonalDataFiles(s3: S3Client, Bucket: string): PersonalDataFiles {
  return {
    async put(key, json) {
      await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: json, ContentType: 'application/json', ContentDisposition: PERSONAL_DATA_DISPOSITION }));
    },
    // The disposition is also asked of the link, so the download is named even where stored metadata is not served.
    signedUrl: (key, seconds) => getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: key, ResponseContentDisposition: PERSONAL_DATA_DISPOSITION }), { expiresIn: seconds }),
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
  };
}
