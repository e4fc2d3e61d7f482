/** A GET over https, bounded in time and size: how the module reaches Amazon SNS (its signing certificates, subscription confirmations). */
export type HttpsGet = (url: string, limits: { timeoutMs: number; maxBytes: number }) => Promise<{ status: number; body: string }>;

/**
 * The real one (Node's fetch). Redirects are refused: the caller checked the URL it gives,
 * not wherever a redirect would lead. A body past maxBytes is cut off with an error.
 */
export const httpsGet: HttpsGet = async (url, { timeoutMs, maxBytes }) => {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new Error(`the answer from ${new URL(url).host} is larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  }
  return { status: res.status, body: Buffer.concat(chunks).toString('utf8') };
};
