/**
 * The message of anything thrown. Duck-typed rather than `instanceof Error`, which is
 * false for errors made in another realm (Node's core modules under jest's sandbox, say).
 */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}
