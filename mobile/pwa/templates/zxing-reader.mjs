// zxing-cpp (npm zxing-wasm, MIT) for the handheld: the reader's wasm comes from our own origin, never jsDelivr.
// Python in the worker calls `await (await import(".../zxing/reader.mjs")).readBarcodes(bytes, options)`.
import { prepareZXingModule, readBarcodes as read } from "./es/reader/index.js";

const WASM = new URL("./reader/zxing_reader.wasm", import.meta.url).href;
let ready = null;

export function prepare() {
  ready ??= prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM : prefix + path) },
    fireImmediately: true,
  });
  return ready;
}

// `input`: encoded image bytes (JPEG/PNG, a Uint8Array or Blob) or an ImageData; options as zxing-wasm's
// ReaderOptions (formats, tryHarder, tryRotate, tryInvert, tryDownscale, ...).
export async function readBarcodes(input, options = {}) {
  await prepare();
  const source = input instanceof Uint8Array ? new Blob([input]) : input;
  return read(source, options);
}
