/** What `value` is, for an error message about a bad argument: 'an array', 'null', or its `typeof`. */
export function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value;
}
