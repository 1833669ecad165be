import { describe, expect, it } from 'vitest';
import { softwareRenderer } from '../src/tour';

describe('tour', () => {
  it('tells software WebGL from a GPU by the renderer string', () => {
    for (const r of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'Google SwiftShader',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'Microsoft Basic Render Driver (Software Rasterizer)',
    ])
      expect(softwareRenderer(r), r).toBe(true);
    for (const r of ['ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)', 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)', ''])
      expect(softwareRenderer(r), r).toBe(false);
  });
});
