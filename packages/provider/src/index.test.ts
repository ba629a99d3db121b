import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@sanshare/provider skeleton', () => {
  it('should name its package', () => {
    expect(api.packageName).toBe('@sanshare/provider');
  });
});
