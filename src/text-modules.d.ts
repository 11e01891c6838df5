// wrangler.toml's Text rule bundles public/embed.js into the Worker as its source text.
declare module '*/embed.js' {
  const text: string;
  export default text;
}
