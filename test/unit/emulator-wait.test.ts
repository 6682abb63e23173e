import { describe, expect, it } from 'vitest';
import { DEFAULT_DYNAMODB_START_TIMEOUT_MS, dynamoStartTimeoutMs } from '../../local/emulators.ts';
import { busyFactor } from '../../local/machine.ts';

describe('how long npm start, npm run keys and the tests wait for DynamoDB Local', () => {
  it('is two minutes on an idle machine, longer the busier it is', () => {
    expect(DEFAULT_DYNAMODB_START_TIMEOUT_MS).toBe(120_000);
    expect(dynamoStartTimeoutMs({}, 1)).toBe(120_000);
    expect(dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: '' }, 1)).toBe(120_000);
    expect(dynamoStartTimeoutMs({}, 2.5)).toBe(300_000);
  });

  it('is exactly DYNAMODB_START_TIMEOUT_MS when set, however busy the machine', () => {
    expect(dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: ' 300000 ' }, 1)).toBe(300_000);
    expect(dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: '300000' }, 4)).toBe(300_000);
  });

  it('refuses a value that is not a number of milliseconds, naming the variable', () => {
    for (const bad of ['2m', '0', '-5', '1.5']) {
      expect(() => dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: bad }, 1)).toThrow(/DYNAMODB_START_TIMEOUT_MS must be a whole number of milliseconds/);
    }
  });

  it('measures how busy the machine is as load per core, between 1 and 5', () => {
    const busy = busyFactor();
    expect(busy).toBeGreaterThanOrEqual(1);
    expect(busy).toBeLessThanOrEqual(5);
  });
});
