// The Workers reference: parses the same urlencoded body as Formharbor's form route and answers
// JSON, storing nothing. Its req/s is what workerd under `wrangler dev` does here at most.
export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== 'POST') return Response.json({ ok: true });
    const fields = new URLSearchParams(await request.text());
    return Response.json({ ok: true, fields: [...fields.keys()].length }, { status: 201 });
  },
};
