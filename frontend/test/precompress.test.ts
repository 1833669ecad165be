import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { precompressDir } from '../build/precompress';

describe('precompressDir', () => {
  it('writes brotli and gzip twins of text that decode to the file, and leaves fonts and tiny files alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citygrid-precompress-'));
    try {
      mkdirSync(join(dir, 'assets'));
      const js = 'export const a = "citygrid";\n'.repeat(200);
      writeFileSync(join(dir, 'assets', 'index-AbCdEfGh.js'), js);
      writeFileSync(join(dir, 'assets', 'font-AbCdEfGh.woff2'), 'wOF2'.repeat(100));
      writeFileSync(join(dir, 'tiny.svg'), '<svg/>');
      const twins = precompressDir(dir);

      const p = join(dir, 'assets', 'index-AbCdEfGh.js');
      expect(brotliDecompressSync(readFileSync(p + '.br')).toString()).toBe(js);
      expect(gunzipSync(readFileSync(p + '.gz')).toString()).toBe(js);
      const t = twins.find((x) => x.file === join('assets', 'index-AbCdEfGh.js'));
      expect(t?.br).toBeLessThan(t?.gz ?? 0);
      expect(t?.gz).toBeLessThan(js.length);

      expect(existsSync(join(dir, 'assets', 'font-AbCdEfGh.woff2.br'))).toBe(false);
      // Six bytes do not shrink: no twin, the server sends the file itself.
      expect(existsSync(join(dir, 'tiny.svg.br'))).toBe(false);
      expect(existsSync(join(dir, 'tiny.svg.gz'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
