import { describe, expect, it } from 'vitest';
import { nextCursorOf } from './api-fetch';

describe('nextCursorOf', () => {
  it('reads the cursor of the rel="next" link', () => {
    expect(nextCursorOf('</api/tasks?state=failed&limit=2&cursor=b+c>; rel="next"')).toBe('b c');
    expect(nextCursorOf('</api/audit?cursor=41>; rel="next"')).toBe('41');
  });
  it('is null without a next link', () => {
    expect(nextCursorOf(null)).toBeNull();
    expect(nextCursorOf('</api/audit?cursor=41>; rel="prev"')).toBeNull();
  });
});
