/**
 * Largest HTTP body sent in one request. Splunk's HEC refused bodies over 1 MB by default in older
 * releases (`max_content_length`), and many ingest proxies stop near there; a batch larger than this
 * goes out as several requests.
 */
export const MAX_BODY_BYTES = 512 * 1024;

/**
 * Groups serialized records into chunks whose joined size (plus one separator byte per record)
 * stays under `maxBytes`. A single record larger than that gets a chunk of its own.
 */
export function chunkRecords(records: readonly string[], maxBytes = MAX_BODY_BYTES): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const record of records) {
    const bytes = Buffer.byteLength(record, "utf8") + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
