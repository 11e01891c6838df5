import type { Context, MiddlewareHandler } from 'hono';

export type FormCorsOptions = {
  /** The Access-Control-Allow-Origin for this request's Origin, or null for none. */
  allowOrigin: (origin: string, c: Context) => string | null;
  allowMethods: string;
  allowHeaders: string;
  exposeHeaders: string;
  maxAge: number;
};

/**
 * What Hono's cors() answers, for the submission path. cors() writes its headers to `c.res`
 * before the handler runs; on @hono/node-server that builds a full Response and later copies
 * it into the handler's, measured at about a fifth of a submission's CPU. `c.header()` before
 * `next()` puts them on whatever response is made, error pages included, for nothing.
 */
export function formCors(options: FormCorsOptions): MiddlewareHandler {
  return async function formCors(c, next) {
    const allowed = options.allowOrigin(c.req.header('origin') ?? '', c);
    if (allowed) c.header('Access-Control-Allow-Origin', allowed);
    // The answer depends on the Origin whenever a form names its origins.
    c.header('Vary', 'Origin');
    if (c.req.method !== 'OPTIONS') {
      c.header('Access-Control-Expose-Headers', options.exposeHeaders);
      return next();
    }
    c.header('Access-Control-Allow-Methods', options.allowMethods);
    c.header('Access-Control-Allow-Headers', options.allowHeaders);
    c.header('Access-Control-Max-Age', String(options.maxAge));
    return c.body(null, 204);
  };
}
