// A `.wat` import is compiled at build time (scripts/build.mjs) and arrives as the module's wasm bytes.
declare module '*.wat' {
  const bytes: Uint8Array;
  export default bytes;
}
