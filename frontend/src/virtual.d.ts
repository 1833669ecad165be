// The font files build/hansubset.ts cuts: the Chinese characters the product writes.
declare module 'virtual:han-subset' {
  const subsets: { url: string; ranges: string[] }[];
  export default subsets;
}
