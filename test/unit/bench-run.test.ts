import { describe, expect, it } from 'vitest';
import { benchDynamo, sharedDynamoEnv, sharedDynamoFrom } from '../../bench/emulators.ts';
import { durationSummary, phaseLog } from '../../bench/durations.ts';
import { sharedLocalEnv, sharedLocalFrom } from '../../bench/local-instance.ts';
import { measurementMayStart } from '../../bench/start-gate.ts';
import { PassThrough } from 'node:stream';

describe('the DynamoDB Local a bench run shares with its modules', () => {
  it('is handed down through the environment and read back the same', () => {
    const env = sharedDynamoEnv({ endpoint: 'http://127.0.0.1:41234', pid: 4321 });
    expect(env).toEqual({ BENCH_DYNAMODB_ENDPOINT: 'http://127.0.0.1:41234', BENCH_DYNAMODB_PID: '4321' });
    expect(sharedDynamoFrom(env)).toEqual({ endpoint: 'http://127.0.0.1:41234', pid: 4321 });
  });

  it('is absent when the module runs on its own (no endpoint, or a blank one)', () => {
    expect(sharedDynamoFrom({})).toBeUndefined();
    expect(sharedDynamoFrom({ BENCH_DYNAMODB_ENDPOINT: '  ' })).toBeUndefined();
  });

  it('needs no pid (only the insights bench reads Java CPU time through it)', () => {
    expect(sharedDynamoFrom({ BENCH_DYNAMODB_ENDPOINT: 'http://localhost:8000/' })).toEqual({ endpoint: 'http://localhost:8000', pid: undefined });
  });

  it('refuses a malformed endpoint or pid, naming the variable, instead of quietly starting another emulator', () => {
    expect(() => sharedDynamoFrom({ BENCH_DYNAMODB_ENDPOINT: '127.0.0.1:8000' })).toThrow(/BENCH_DYNAMODB_ENDPOINT must be an http:\/\/ URL/);
    expect(() => sharedDynamoFrom({ BENCH_DYNAMODB_ENDPOINT: 'not a url' })).toThrow(/BENCH_DYNAMODB_ENDPOINT/);
    for (const pid of ['abc', '0', '-3', '1.5']) {
      expect(() => sharedDynamoFrom({ BENCH_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', BENCH_DYNAMODB_PID: pid })).toThrow(/BENCH_DYNAMODB_PID must be a process id/);
    }
  });

  it('is what a module gets when one is handed down: no Java of its own is started', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, sharedDynamoEnv({ endpoint: 'http://127.0.0.1:41234', pid: 4321 }));
      const dynamo = await benchDynamo(['bench-x']);
      expect(dynamo).toMatchObject({ endpoint: 'http://127.0.0.1:41234', pid: 4321, shared: true });
    } finally {
      delete process.env.BENCH_DYNAMODB_ENDPOINT;
      delete process.env.BENCH_DYNAMODB_PID;
      Object.assign(process.env, saved);
    }
  });
});

describe('where a bench run’s time went', () => {
  it('lists each step longest first, with its seconds and share of the run', () => {
    const text = durationSummary(
      [
        { step: './events.ts', seconds: 9 },
        { step: './insights.ts', seconds: 45.25 },
        { step: 'shared DynamoDB Local start', seconds: 5.5 },
      ],
      90,
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('bench: 90.0 s in all');
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/))).toEqual([
      ['45.3', 's', '50', '%', './insights.ts'],
      ['9.0', 's', '10', '%', './events.ts'],
      ['5.5', 's', '6', '%', 'shared', 'DynamoDB', 'Local', 'start'],
    ]);
  });

  it('survives a run that took no time', () => {
    expect(durationSummary([{ step: './a.ts', seconds: 0 }], 0)).toBe('bench: 0.0 s in all\n      0.0 s    0 %  ./a.ts');
  });
});

describe('the local runtime a bench run starts for api-latency', () => {
  it('is handed down through the environment and read back the same', () => {
    const env = sharedLocalEnv({ url: 'http://127.0.0.1:40001', secretKey: 'sk_test_abc' });
    expect(sharedLocalFrom(env)).toEqual({ url: 'http://127.0.0.1:40001', secretKey: 'sk_test_abc' });
    expect(sharedLocalFrom({})).toBeUndefined();
  });

  it('refuses half of it, naming both variables', () => {
    expect(() => sharedLocalFrom({ BENCH_LOCAL_URL: 'http://127.0.0.1:40001' })).toThrow(/BENCH_LOCAL_URL and BENCH_LOCAL_SECRET_KEY go together/);
    expect(() => sharedLocalFrom({ BENCH_LOCAL_SECRET_KEY: 'sk_x' })).toThrow(/go together/);
  });
});

describe('the start gate a module waits at before measuring', () => {
  it('holds the module until bench/run.ts writes its line', async () => {
    const input = new PassThrough();
    let open = false;
    const gate = measurementMayStart({ BENCH_START_GATE: '1' }, input).then(() => (open = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(open).toBe(false);
    input.write('go\n');
    await gate;
    expect(open).toBe(true);
  });

  it('opens when bench/run.ts goes away without writing (end of its input)', async () => {
    const input = new PassThrough();
    const gate = measurementMayStart({ BENCH_START_GATE: '1' }, input);
    input.end();
    await expect(gate).resolves.toBeUndefined();
  });

  it('never holds a module run on its own', async () => {
    const input = new PassThrough();
    await expect(measurementMayStart({}, input)).resolves.toBeUndefined();
  });
});

describe('a module’s phases on stderr', () => {
  it('times each phase from the end of the one before', () => {
    const lines: string[] = [];
    const clock = [1_000, 3_500, 3_600];
    const phase = phaseLog('export', (l) => lines.push(l), () => clock.shift()!);
    phase('seeded');
    phase('best of 2');
    expect(lines).toEqual(['bench export: seeded in 2.5 s', 'bench export: best of 2 in 0.1 s']);
  });
});
