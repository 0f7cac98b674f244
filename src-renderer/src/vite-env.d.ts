/** Vite's `?worker&url` import: the URL of the bundled worker (here, the audio worklet). */
declare module '*?worker&url' {
  const url: string;
  export default url;
}
