// subset-font ships no types; the one call the build makes (build/hansubset.ts).
declare module 'subset-font' {
  interface Options {
    targetFormat?: 'sfnt' | 'woff' | 'woff2' | 'truetype';
  }
  export default function subsetFont(font: Buffer, text: string, options?: Options): Promise<Buffer>;
}
