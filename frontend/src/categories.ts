// The profile's incident categories (/profile/categories.json), shared by the
// wall's boot and the console's controls (kept out of the console's chunk).

/** An incident category of the profile, with its label. */
export interface Category {
  code: string;
  label: string;
}

/** CATEGORIES serve a profile without categories.json. */
export const CATEGORIES: Category[] = ['dispute', 'environment', 'fire', 'medical', 'noise', 'public-order', 'theft', 'traffic'].map((code) => ({ code, label: code }));

/** knownCategory keeps a category the profile lists, and drops any other ("" keeps all). */
export function knownCategory(cats: Category[], c: string): string {
  return cats.some((x) => x.code === c) ? c : '';
}
