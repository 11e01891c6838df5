/**
 * A request body that records whether the server began to read it. With `hold`, it sends
 * its text and then stays open until `release()`, like a visitor still sending.
 */
export function probeBody(text: string, options: { hold?: boolean } = {}) {
  let release!: () => void;
  const released = options.hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const probe = {
    pulled: false,
    release: () => release?.(),
    // No read ahead (highWaterMark 0): the stream is pulled only when the server reads it.
    body: new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (probe.pulled) return controller.close();
          probe.pulled = true;
          controller.enqueue(new TextEncoder().encode(text));
          await released;
        },
      },
      { highWaterMark: 0 },
    ),
  };
  return probe;
}

/** RequestInit for a streamed body, which fetch requires to say it is half-duplex. */
export const streamed = (body: ReadableStream<Uint8Array>, headers: Record<string, string>) =>
  ({ method: 'POST', body, headers, duplex: 'half' }) as RequestInit;
