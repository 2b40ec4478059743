import { camelCase } from '@d2pruner/core';
import type { TSchema } from 'typebox';
import type { InputCaps } from './caps.js';
import { GENERATE_BODY_KEYS } from './generate-request.js';
import { imageFromRequest, type EncodedImage } from './image.js';
import { CheckedJsonParser } from './checked-json.js';

/*
 * A large JSON body of `POST /v1/generate` (an image of tens of MB in base64) parsed off the
 * event loop: the structure scan, `JSON.parse`, the route's schema and the image's base64
 * decoding take about half a second for a 50 MB body. The steps and their order are those of the
 * event-loop path, so every error is the same; what comes back is small — the request fields
 * without the image, the image's bytes (moved, not copied), and nothing of a prompt past its cap
 * or of a field the route does not take (their errors do not depend on their values).
 */

/** The key under which a body parsed off the event loop carries its decoded image (or the error decoding it gave). */
export const PARSED_IMAGE: unique symbol = Symbol('d2pruner.parsedImage');

/** A parsed generate body: the request fields (the image replaced by a stand-in) and the image or its error. */
export interface ParsedGenerateBody {
  fields: Record<string, unknown>;
  image?: EncodedImage;
  /** The error decoding the image gave; thrown where the event-loop path would throw it. */
  imageError?: unknown;
}

/** What stands in for the image in the fields of a parsed body (a non-empty string, as the schema wants). */
const IMAGE_STAND_IN = 'parsed';

/** Parses `POST /v1/generate` JSON bodies under one set of caps and the route's body schema. */
export class GenerateBodyParser {
  private readonly json: CheckedJsonParser;

  /**
   * @param caps the server's input caps (the JSON structure bounds)
   * @param schema the route's JSON body schema (`generateBodySchema`)
   */
  constructor(caps: InputCaps, schema: TSchema) {
    this.json = new CheckedJsonParser(caps, schema);
  }

  /**
   * Parses and checks one body; throws what the event-loop path throws for the same text before
   * the handler runs (the errors of {@link CheckedJsonParser.parse}). A prompt longer than
   * `maxPromptChars` comes back cut to one character over it (still refused, by its length, where
   * the handler checks it).
   */
  parse(text: string, maxPromptChars: number): ParsedGenerateBody {
    const body = this.json.parse(text);
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (!GENERATE_BODY_KEYS.includes(camelCase(key))) fields[key] = null;
      else if (key === 'prompt' && typeof value === 'string' && value.length > maxPromptChars) fields[key] = value.slice(0, maxPromptChars + 1);
      else if (key === 'image') fields[key] = IMAGE_STAND_IN;
      else fields[key] = value;
    }
    const image = (body as Record<string, unknown>).image;
    try {
      return { fields, image: imageFromRequest(image, 'image') };
    } catch (e) {
      return { fields, imageError: e };
    }
  }
}
