// Prunes three Acme-VL frames with the third-party method through the custom pipeline.
import { uniformRng } from '@d2pruner/core';
import { from, toArray, lastValueFrom } from 'rxjs';
import { ACME_TOKENS, acmePruner, acmeVl1b, registerAcme, type AcmeFrame } from './index.js';

registerAcme();
const rand = uniformRng(1);
const frames: AcmeFrame[] = [
  { width: 640, height: 480 },
  { width: 300, height: 600 },
  { width: 1024, height: 1024 },
].map((image, i) => {
  const layout = acmeVl1b.layout(image);
  const dim = 16;
  return {
    id: `frame-${i}`,
    image,
    inputIds: [1, ACME_TOKENS.imageStart, ...new Array<number>(layout.tokens).fill(ACME_TOKENS.imagePad), ACME_TOKENS.imageEnd, 500, 501],
    features: { rows: layout.candidates.length, cols: dim, data: Float32Array.from({ length: layout.candidates.length * dim }, () => rand() - 0.5) },
  };
});
const results = await lastValueFrom(from(frames).pipe(acmePruner({ adapter: 'acme/acme-vl-1b-instruct', method: 'acme-nms', keep: 24 }), toArray()));
for (const r of results) console.log(r.id, r.error ?? `${r.keep?.length} candidates kept, ${r.sequence?.length} sequence positions stay`);
