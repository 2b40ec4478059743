/** Special tokens of the generated tokenizer, in id order before the byte tokens. */
export const SPECIAL_TOKENS = { unk: '<unk>', bos: '<s>', eos: '</s>' } as const;
/** The image placeholder the processor expands to 576 copies. */
export const IMAGE_TOKEN = '<image>';
/** The padding token. */
export const PAD_TOKEN = '<pad>';

/** The generated tokenizer: its files and the ids the other files need. */
export interface TokenizerInfo {
  /** Vocabulary size V (LM head width). */
  vocabSize: number;
  /** `<s>`. */
  bosId: number;
  /** `</s>`. */
  eosId: number;
  /** `<pad>`. */
  padId: number;
  /** `<image>` (config `image_token_index`). */
  imageId: number;
  /** Ids the LM head never predicts (specials and non-printable bytes). */
  silent: number[];
  /** `tokenizer.json` (Hugging Face tokenizers format). */
  tokenizerJson: object;
  /** `tokenizer_config.json`. */
  tokenizerConfig: object;
}

const BYTE_BASE = 3;

/** GPT-2's reversible byte → printable-character map used by the ByteLevel pre-tokenizer. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const out = new Array<string>(256);
  const isPrintable = new Set(printable);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(isPrintable.has(b) ? b : 256 + n++);
  return out;
}

/**
 * A byte-level BPE tokenizer without merges: every UTF-8 byte is one token (ids 3…258), so
 * any text round-trips. `<s>` is prepended by the post-processor; `<image>` and `<pad>` are
 * added special tokens at the end of the vocabulary.
 */
export function buildTokenizer(): TokenizerInfo {
  const chars = bytesToUnicode();
  const vocab: Record<string, number> = { [SPECIAL_TOKENS.unk]: 0, [SPECIAL_TOKENS.bos]: 1, [SPECIAL_TOKENS.eos]: 2 };
  chars.forEach((ch, b) => (vocab[ch] = BYTE_BASE + b));
  const imageId = BYTE_BASE + 256;
  const padId = imageId + 1;
  vocab[IMAGE_TOKEN] = imageId;
  vocab[PAD_TOKEN] = padId;
  const specials: [number, string][] = [
    [0, SPECIAL_TOKENS.unk],
    [1, SPECIAL_TOKENS.bos],
    [2, SPECIAL_TOKENS.eos],
    [imageId, IMAGE_TOKEN],
    [padId, PAD_TOKEN],
  ];
  const added = specials.map(([id, content]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: SPECIAL_TOKENS.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: SPECIAL_TOKENS.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { [SPECIAL_TOKENS.bos]: { id: SPECIAL_TOKENS.bos, ids: [1], tokens: [SPECIAL_TOKENS.bos] } },
    },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'LlamaTokenizer',
    bos_token: SPECIAL_TOKENS.bos,
    eos_token: SPECIAL_TOKENS.eos,
    unk_token: SPECIAL_TOKENS.unk,
    pad_token: PAD_TOKEN,
    add_bos_token: true,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: 4096,
    padding_side: 'left',
    added_tokens_decoder: Object.fromEntries(added.map((t) => [String(t.id), { ...t, id: undefined }])),
  };
  const silent: number[] = [];
  for (let id = 0; id < padId + 1; id++) {
    const b = id - BYTE_BASE;
    if (!(b >= 0x20 && b <= 0x7e)) silent.push(id);
  }
  return { vocabSize: padId + 1, bosId: 1, eosId: 2, padId, imageId, silent, tokenizerJson, tokenizerConfig };
}
