/**
 * The demo page's /favicon.ico, drawn in code (no binary file in the repo): a 32×32 icon, one
 * 32-bit BMP image inside the ICO container — an accent-blue disc with a lighter ring.
 */
const SIZE = 32;

export function faviconIco(): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  const info = Buffer.alloc(40); // BITMAPINFOHEADER; height counts the XOR and AND masks
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(SIZE, 4);
  info.writeInt32LE(SIZE * 2, 8);
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(SIZE * SIZE * 4); // BGRA, bottom-up
  const c = (SIZE - 1) / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const d = Math.hypot(x - c, y - c);
      const at = ((SIZE - 1 - y) * SIZE + x) * 4;
      if (d > SIZE / 2) continue; // transparent
      const ring = d > SIZE / 2 - 4;
      pixels.set(ring ? [0xef, 0x8d, 0x5b, 0xff] : [0xd6, 0x58, 0x24, 0xff], at);
    }
  }
  const andMask = Buffer.alloc((SIZE / 8) * SIZE); // rows of 32 bits: all 0 (alpha decides)
  const image = Buffer.concat([info, pixels, andMask]);
  const entry = Buffer.alloc(16);
  entry.writeUInt8(SIZE, 0);
  entry.writeUInt8(SIZE, 1);
  entry.writeUInt16LE(1, 4); // planes
  entry.writeUInt16LE(32, 6); // bits per pixel
  entry.writeUInt32LE(image.length, 8);
  entry.writeUInt32LE(header.length + entry.length, 12);
  return Buffer.concat([header, entry, image]);
}
