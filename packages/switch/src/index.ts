/**
 * @sanshare/switch: not implemented yet (see the open issue for this package).
 *
 * @packageDocumentation
 */
export const packageName = '@sanshare/switch';
