import { describe, expect, it } from 'vitest';
import { DEFAULT_DYNAMODB_START_TIMEOUT_MS, dynamoStartTimeoutMs } from '../../local/emulators.ts';

describe('how long npm start, npm run keys and the tests wait for DynamoDB Local', () => {
  it('is two minutes unless DYNAMODB_START_TIMEOUT_MS says otherwise', () => {
    expect(DEFAULT_DYNAMODB_START_TIMEOUT_MS).toBe(120_000);
    expect(dynamoStartTimeoutMs({})).toBe(120_000);
    expect(dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: '' })).toBe(120_000);
    expect(dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: ' 300000 ' })).toBe(300_000);
  });

  it('refuses a value that is not a number of milliseconds, naming the variable', () => {
    for (const bad of ['2m', '0', '-5', '1.5']) {
      expect(() => dynamoStartTimeoutMs({ DYNAMODB_START_TIMEOUT_MS: bad })).toThrow(/DYNAMODB_START_TIMEOUT_MS must be a whole number of milliseconds/);
    }
  });
});
