// Data URLs, as clients put images and files into messages: every provider that takes bytes inline reads them here.
/** `data:image/png;base64,AAAA` → parts; undefined for anything that is not a base64 data URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!, data: m[2]! } : undefined;
}

export function dataUrl(mediaType: unknown, data: unknown): string {
  return `data:${String(mediaType)};base64,${String(data)}`;
}
