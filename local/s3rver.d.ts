/** Just what the local runtime uses of s3rver 3.7 (the package ships no types). */
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The notification s3rver emits on 'event' (AWS's shape, with the differences noted in local-stack-notes.md). */
  export interface S3rverEvent {
    Records: {
      eventVersion: string;
      eventSource: 'aws:s3';
      awsRegion: string;
      eventTime: string;
      eventName: string;
      s3: {
        bucket: { name: string; arn: string };
        object: { key: string; size?: number; eTag?: string; sequencer: string };
      };
    }[];
  }

  class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
    on(event: 'event', listener: (event: S3rverEvent) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export default S3rver;
}
