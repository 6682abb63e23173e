/**
 * The access exports written to the export bucket because they are too large for one API answer
 * (access-export.ts). The S3 adapter is shared/store/personal-data.store.ts; keys come from shared/object-keys.ts.
 */
export interface PersonalDataFiles {
  /** Writes the JSON document at `key` (one PutObject: whole or not at all), as a download named personal-data.json. */
  put(key: string, json: string): Promise<void>;
  /** A GET link to `key`, valid `seconds`, that needs no key of ours (signed with the function's own rights). */
  signedUrl(key: string, seconds: number): Promise<string>;
  /** Deletes the object at `key`; none there is no error (an erasure sent again). */
  remove(key: string): Promise<void>;
}
