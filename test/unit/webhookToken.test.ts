import { describe, expect, it } from 'vitest';
import { webhookTokenMatches } from '../../src/functions/http/webhookToken';

describe('autoscale webhook token', () => {
  it('accepts the current token and, during a rotation, the previous one — nothing else', () => {
    expect(webhookTokenMatches(['new-token', undefined], 'new-token')).toBe(true);
    expect(webhookTokenMatches(['new-token', 'old-token'], 'old-token')).toBe(true);
    expect(webhookTokenMatches(['new-token', 'old-token'], 'new-token')).toBe(true);
    expect(webhookTokenMatches(['new-token', undefined], 'old-token')).toBe(false);
    expect(webhookTokenMatches(['new-token', ''], '')).toBe(false);
    expect(webhookTokenMatches([undefined, undefined], 'anything')).toBe(false);
    expect(webhookTokenMatches(['new-token', undefined], null)).toBe(false);
  });

  it('answers a mismatch, never an exception, for tokens of another length or with multi-byte characters', () => {
    expect(webhookTokenMatches(['new-token', undefined], 'new-token-and-more')).toBe(false);
    expect(webhookTokenMatches(['new-token', undefined], 'néw-tökén')).toBe(false);
    expect(webhookTokenMatches(['tökén', undefined], 'tökén')).toBe(true);
  });
});
