import dns2 from 'dns2';

const { Packet } = dns2;

/** Records by name: TXT values (each may be split into 255-character strings, as DNS carries them) and MX hosts. */
export type Zone = Record<string, { txt?: (string | string[])[]; mx?: string[] }>;

/** A real DNS server on 127.0.0.1 (UDP, ephemeral port) answering from `zone`; unknown names are NXDOMAIN. */
export async function startDnsServer(zone: Zone) {
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const entry = question && zone[question.name.toLowerCase()];
      if (!question || !entry) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        return send(response);
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60 };
      // dns2 encodes plain records; its types ask for the class instances its parser makes.
      const answer = (record: object) => response.answers.push(record as (typeof response.answers)[number]);
      if (question.type === Packet.TYPE.TXT) {
        for (const data of entry.txt ?? []) answer({ ...base, type: Packet.TYPE.TXT, data });
      }
      if (question.type === Packet.TYPE.MX) {
        (entry.mx ?? []).forEach((exchange, i) => answer({ ...base, type: Packet.TYPE.MX, exchange, priority: 10 * (i + 1) }));
      }
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = (addresses as { udp: { port: number } }).udp.port;
  return { address: `127.0.0.1:${port}`, close: () => server.close() };
}

/** `p=` chunks as a publisher would enter a long DKIM record: strings of at most 255 characters. */
export const chunked = (record: string) => record.match(/.{1,255}/g)!;
