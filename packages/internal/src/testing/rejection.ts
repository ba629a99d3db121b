/** What `promise` rejects with; throws when it resolves instead (for tests that inspect an error's fields). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
