/**
 * The pixel size a JPEG declares in its frame header (SOFn), read without decoding; null when
 * the bytes are not a whole JPEG (no start or end-of-image marker, a broken segment chain, or no
 * frame header).
 */
export function jpegDimensions(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  if (bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) return null;
  let position = 2;
  while (position + 4 <= bytes.length) {
    if (bytes[position] !== 0xff) return null;
    const marker = bytes[position + 1]!;
    // Fill bytes (0xff) may pad between segments; standalone markers carry no length.
    if (marker === 0xff) {
      position += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      position += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = (bytes[position + 2]! << 8) | bytes[position + 3]!;
    if (length < 2) return null;
    // SOF0–SOF15 except DHT (c4), JPG (c8) and DAC (cc): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (position + 9 > bytes.length) return null;
      return {
        height: (bytes[position + 5]! << 8) | bytes[position + 6]!,
        width: (bytes[position + 7]! << 8) | bytes[position + 8]!,
      };
    }
    position += 2 + length;
  }
  return null;
}
