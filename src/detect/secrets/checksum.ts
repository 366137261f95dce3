/** CRC-32 (ISO-HDLC / IEEE 802.3, reflected polynomial 0xEDB88320) over ASCII text. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = (TABLE[(c ^ s.charCodeAt(i)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function base62(n: number, width: number): string {
  let s = "";
  while (n > 0) {
    s = B62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(width, "0");
}

/**
 * GitHub's token format (github.blog, "Behind GitHub's new authentication token formats", 2021):
 * prefix + 30 random base62 characters + 6-character base62 CRC-32 of the random part. npm's
 * granular tokens (`npm_`) use the same construction.
 */
export function crc32Base62Valid(body: string): boolean {
  if (body.length < 7) return false;
  const random = body.slice(0, -6);
  return base62(crc32(random), 6) === body.slice(-6);
}

/** Builds a checksummed token for rule cases. */
export function withCrc32Base62(prefix: string, random: string): string {
  return prefix + random + base62(crc32(random), 6);
}
