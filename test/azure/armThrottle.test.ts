/** Long ARM throttles leave the activity at once, as data the orchestration waits out on a timer. */
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmThrottledError, longThrottlePolicy, throttledWithoutRetryAfterPolicy } from '../../src/azure/armClients';
import { armStep } from '../../src/azure/armStep';
import { throttledFor } from '../../src/functions/orchestrators/armActivity';

const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
const answer = (status: number, headers: Record<string, string>) => async (): Promise<PipelineResponse> => ({ status, headers: createHttpHeaders(headers), request });
const policy = longThrottlePolicy(30);

describe('longThrottlePolicy', () => {
  it('lets short throttles and other answers through to the SDK’s own retry', async () => {
    expect((await policy.sendRequest(request, answer(429, { 'retry-after': '5' }))).status).toBe(429);
    expect((await policy.sendRequest(request, answer(429, {}))).status).toBe(429);
    expect((await policy.sendRequest(request, answer(200, { 'retry-after': '600' }))).status).toBe(200);
  });

  it('throws a long one (seconds, milliseconds or an HTTP date) with the wait ARM asked for', async () => {
    await expect(policy.sendRequest(request, answer(429, { 'retry-after': '600', 'x-ms-ratelimit-remaining-resource': 'Microsoft.Compute/HighCostGetVMScaleSet3Min;0' }))).rejects.toMatchObject({
      name: 'ArmThrottledError',
      retryAfterSeconds: 600,
      message: expect.stringContaining('HighCostGetVMScaleSet3Min') as unknown,
    });
    await expect(policy.sendRequest(request, answer(429, { 'retry-after-ms': '45000' }))).rejects.toMatchObject({ retryAfterSeconds: 45 });
    const at = new Date(Date.now() + 300_000).toUTCString();
    const error = (await policy.sendRequest(request, answer(429, { 'retry-after': at })).catch((e: unknown) => e)) as ArmThrottledError;
    expect(error.retryAfterSeconds).toBeGreaterThan(290);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(300);
  });
});

describe('a long throttle in an ARM step', () => {
  it('comes back as data the orchestration recognises, while other transient failures are thrown for the retry policy', async () => {
    const outcome = await armStep('verify', () => Promise.reject(new ArmThrottledError(600, '')));
    expect(outcome).toMatchObject({ ok: false, failure: { step: 'verify', code: 'Throttled', statusCode: 429, retryAfterSeconds: 600 } });
    expect(throttledFor(outcome)).toBe(600);
    await expect(armStep('verify', () => Promise.reject(Object.assign(new Error('busy'), { statusCode: 503 })))).rejects.toThrow('verify');
    expect(throttledFor({ ok: false, failure: { code: 'Conflict' } })).toBeUndefined();
    expect(throttledFor({ ok: true, value: 1 })).toBeUndefined();
  });
});

describe('throttledWithoutRetryAfterPolicy', () => {
  it('backs off and retries a 429 the SDK will not retry (no or unreadable Retry-After), and leaves a readable one to the SDK', async () => {
    const answers = [answer(429, { 'retry-after': 'soon' }), answer(429, {}), answer(200, {})];
    let calls = 0;
    const response = await throttledWithoutRetryAfterPolicy.sendRequest(request, () => (answers[calls++] ?? answer(500, {}))());
    expect(response.status).toBe(200);
    expect(calls).toBe(3);
    calls = 0;
    const hinted = await throttledWithoutRetryAfterPolicy.sendRequest(request, () => (calls++, answer(429, { 'retry-after': '2' })()));
    expect(hinted.status).toBe(429);
    expect(calls).toBe(1);
  });
});
