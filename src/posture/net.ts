/**
 * Address helpers shared by the rules. "Loopback" is the only safe place for cleartext: anything
 * else (a private network included) can be sniffed by another host on the path.
 */

/** RFC 1122 §3.2.1.3 (127.0.0.0/8), RFC 4291 §2.5.3 (::1), and the name that resolves to them. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  return (
    h === "localhost" ||
    h.endsWith(".localhost") ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    h === "::1" ||
    h === "0:0:0:0:0:0:0:1" ||
    h === "::ffff:127.0.0.1"
  );
}

/** The host of a URL, or undefined when the text is not a URL. */
export function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Plain http to something other than loopback. */
export function isCleartextRemote(url: string): boolean {
  const host = urlHost(url);
  return url.toLowerCase().startsWith("http:") && host !== undefined && !isLoopbackHost(host);
}
