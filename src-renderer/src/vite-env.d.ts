/** Vite's `?worker&url` import: the URL of the bundled worker (here, the audio worklet). */
declare module '*?worker&url' {
  const url: string;
  export default url;
}

/** Vite's `?worker` import: a constructor of the bundled worker. */
declare module '*?worker' {
  const WorkerConstructor: new (options?: { name?: string }) => Worker;
  export default WorkerConstructor;
}
