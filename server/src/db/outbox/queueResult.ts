export interface QueueResult {
  /** Wishlist rows whose product is on sale (or in stock) and that asked for alerts. */
  checked: number;
  /** Items written to the outbox by this call. */
  queued: number;
}

/**
 * A storewide sale makes the candidate set large: with the default work_mem it spills to
 * temporary files. Run in the check's transaction; the setting ends with it.
 */
export async function roomForCandidates(db: { query(text: string): Promise<unknown> }): Promise<void> {
  await db.query(`SET LOCAL work_mem = '64MB'`);
}
