// `import source from './x.ts?worker'`: the module bundled on its own into a string (scripts/build.mjs), to start as
// `new Worker(source, { eval: true })` from whichever bundle imports it.
declare module '*?worker' {
  const source: string;
  export default source;
}
