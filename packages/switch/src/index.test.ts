import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@sanshare/switch skeleton', () => {
  it('should name its package', () => {
    expect(api.packageName).toBe('@sanshare/switch');
  });
});
