import { BackendUnavailableError } from '@d2pruner/core';
import type { RgbaImage } from './png.js';

/** The parts of sharp that render uses. */
export interface SharpLike {
  (input?: Buffer | Uint8Array | { text: { text: string; font?: string; dpi?: number; rgba?: boolean } }, options?: { raw?: { width: number; height: number; channels: 4 } }): SharpPipeline;
}

/** What `metadata()` reports of an image file, read from its header without decoding the pixels. */
export interface SharpMetadata {
  /** Stored width in pixels, before EXIF orientation. */
  width?: number;
  /** Stored height in pixels, before EXIF orientation. */
  height?: number;
  /** EXIF orientation 1–8 (5–8 swap width and height), when recorded. */
  orientation?: number;
}

interface SharpPipeline {
  metadata(): Promise<SharpMetadata>;
  rotate(): SharpPipeline;
  ensureAlpha(): SharpPipeline;
  resize(width: number, height: number, options?: { fit?: 'fill' }): SharpPipeline;
  raw(): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}

let loaded: Promise<SharpLike | undefined> | undefined;

/** sharp (an optional peer of the CLI), or undefined when it is not installed. */
export function optionalSharp(): Promise<SharpLike | undefined> {
  loaded ??= import('sharp').then(
    (m: { default: unknown }) => m.default as SharpLike,
    () => undefined,
  );
  return loaded;
}

/** sharp, or a typed error saying how to install it. */
export async function requireSharp(what: string): Promise<SharpLike> {
  const sharp = await optionalSharp();
  if (!sharp) throw new BackendUnavailableError('sharp', `${what} needs the optional package sharp to decode images: npm install sharp`);
  return sharp;
}

/** Raw RGBA pixels of sharp's output. */
export async function rgba(pipeline: SharpPipeline): Promise<RgbaImage> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
