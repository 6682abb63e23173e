import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient, KMSInvalidStateException } from '@aws-sdk/client-kms';
import { masterKeyWrapper, secretBox } from '../../shared/secrets/envelope.ts';
import { kmsKeyWrapper } from '../../shared/secrets/kms-key.ts';
import { loadOrCreateMasterKey } from '../../shared/secrets/master-key-file.ts';

/**
 * Sealing the tenant secrets (shared/secrets/): what KMS would answer is mocked (aws-sdk-client-mock); the
 * sealing itself is real AES-256-GCM. The sealed form must not open for another tenant or purpose, nor under
 * another master key; KMS is asked once per process for a data key and once per data key to unwrap it.
 */
const dir = mkdtempSync(join(tmpdir(), 'clientela-secrets-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the master key file (local)', () => {
  it('is created on first use, readable by its owner only, and the same key afterwards', () => {
    const path = join(dir, 'master.key');
    const first = loadOrCreateMasterKey(path);
    expect(first).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateMasterKey(path).equals(first)).toBe(true);
  });

  it('is refused when others may read it, or when it holds no 256-bit key', () => {
    const open = join(dir, 'open.key');
    writeFileSync(open, Buffer.alloc(32, 1).toString('base64'));
    chmodSync(open, 0o644);
    expect(() => loadOrCreateMasterKey(open)).toThrow(/chmod 600/);
    const short = join(dir, 'short.key');
    writeFileSync(short, 'c2hvcnQ=', { mode: 0o600 });
    expect(() => loadOrCreateMasterKey(short)).toThrow(/256-bit/);
  });
});

describe('a sealed secret', () => {
  const box = secretBox(masterKeyWrapper(() => Buffer.alloc(32, 3)));

  it('opens with its own tenant and purpose, and holds nothing of the secret in the clear', async () => {
    const sealed = await box.seal('the-secret-value', 'clientela:tenant-secret:a:privacy');
    expect(sealed).not.toContain('the-secret-value');
    expect(sealed).not.toContain(Buffer.from('the-secret-value').toString('base64url'));
    expect(await box.open(sealed, 'clientela:tenant-secret:a:privacy')).toBe('the-secret-value');
  });

  it('does not open as another tenant’s or another purpose’s secret, nor under another master key, nor altered', async () => {
    const sealed = await box.seal('the-secret-value', 'clientela:tenant-secret:a:privacy');
    await expect(box.open(sealed, 'clientela:tenant-secret:b:privacy')).rejects.toThrow();
    await expect(box.open(sealed, 'clientela:tenant-secret:a:consent')).rejects.toThrow();
    await expect(secretBox(masterKeyWrapper(() => Buffer.alloc(32, 4))).open(sealed, 'clientela:tenant-secret:a:privacy')).rejects.toThrow();
    const parts = sealed.split('.');
    parts[4] = Buffer.from('another-value').toString('base64url');
    await expect(box.open(parts.join('.'), 'clientela:tenant-secret:a:privacy')).rejects.toThrow();
  });
});

describe('with KMS', () => {
  const kms = new KMSClient({ region: 'eu-south-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(kms);
  const KEY = 'arn:aws:kms:eu-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const dataKey = Buffer.alloc(32, 9);
  const wrapped = Buffer.from('wrapped-by-kms');

  beforeEach(() => {
    mock.reset();
    mock.on(GenerateDataKeyCommand).resolves({ Plaintext: dataKey, CiphertextBlob: wrapped, KeyId: KEY });
    mock.on(DecryptCommand).resolves({ Plaintext: dataKey, KeyId: KEY });
  });

  it('asks for one data key per process, and unwraps each data key once, with the key and context pinned', async () => {
    const writer = secretBox(kmsKeyWrapper(kms, KEY));
    const sealed = await Promise.all(['a', 'b', 'c'].map((t) => writer.seal(`secret-of-${t}`, `ctx:${t}`)));
    expect(mock.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    expect(mock.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY, KeySpec: 'AES_256', EncryptionContext: { app: 'clientela', purpose: 'tenant-secrets' } });
    expect(sealed[0]).toMatch(/^v1\.kms\./);

    // Another process (a cold function) opens all three with one Decrypt.
    const reader = secretBox(kmsKeyWrapper(kms, KEY));
    expect(await Promise.all(sealed.map((s, i) => reader.open(s, `ctx:${'abc'[i]}`)))).toEqual(['secret-of-a', 'secret-of-b', 'secret-of-c']);
    expect(mock.commandCalls(DecryptCommand)).toHaveLength(1);
    expect(mock.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({ KeyId: KEY, EncryptionContext: { app: 'clientela', purpose: 'tenant-secrets' } });
  });

  it('fails (closed) while KMS refuses, without remembering the failure: the next request asks again', async () => {
    const sealed = await secretBox(kmsKeyWrapper(kms, KEY)).seal('s', 'ctx');
    mock.on(DecryptCommand).rejectsOnce(new KMSInvalidStateException({ message: 'key disabled', $metadata: {} })).resolves({ Plaintext: dataKey });
    const reader = secretBox(kmsKeyWrapper(kms, KEY));
    await expect(reader.open(sealed, 'ctx')).rejects.toThrow('key disabled');
    expect(await reader.open(sealed, 'ctx')).toBe('s');
  });

  it('does not open a secret sealed with the local master key file (a table copied between environments)', async () => {
    const local = await secretBox(masterKeyWrapper(() => Buffer.alloc(32, 3))).seal('s', 'ctx');
    await expect(secretBox(kmsKeyWrapper(kms, KEY)).open(local, 'ctx')).rejects.toThrow(/sealed with a file key/);
  });
});
