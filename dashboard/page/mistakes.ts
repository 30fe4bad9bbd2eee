import type { FeaturePoint, Mistake } from '../src/view';
import { clock, el } from './format';
import { OKABE_ITO } from './palette';

function drawPixels(canvas: HTMLCanvasElement, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = bytes[i] ?? 0;
    image.data[i * 4] = v;
    image.data[i * 4 + 1] = v;
    image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  canvas.dataset['drawn'] = 'true';
}

/** The latest mistakes: each sample's picture, what was predicted and what was true. */
export function renderMistakes(list: HTMLElement, mistakes: Mistake[], images: boolean): void {
  list.replaceChildren(
    ...(mistakes.length === 0
      ? [el('li', 'no mistake yet')]
      : mistakes.map((m) => {
          const li = el('li', '', { 'data-testid': 'mistake', 'data-sample': m.sampleId });
          const text = `predicted ${m.predictedClass}, true ${m.labelClass}`;
          if (images) {
            const canvas = el('canvas', '', { width: '28', height: '28', role: 'img', 'aria-label': `Sample ${m.sampleId}: ${text}` });
            if (m.pixels === null) canvas.classList.add('pending');
            else drawPixels(canvas, m.pixels);
            li.append(canvas);
          }
          const caption = el('p');
          caption.append(el('strong', m.predictedClass), ` predicted`, el('br'), `${m.labelClass} true`);
          const meta = el('p', `v${m.version} \u00b7 ${Math.round(m.confidence * 100)}% \u00b7 ${clock(m.at)}`, { class: 'meta' });
          li.append(caption, meta);
          return li;
        })),
  );
}

/** The feature plot of a tabular dataset: its first two features, class by colour and shape, mistakes crossed. */
export function renderFeatures(canvas: HTMLCanvasElement, summary: HTMLElement, points: FeaturePoint[]): void {
  const width = Math.max(260, canvas.clientWidth);
  const height = Math.round(width * 0.6);
  const dpr = devicePixelRatio;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, width, height);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(-3, ...xs), Math.max(3, ...xs)];
  const [y0, y1] = [Math.min(-3, ...ys), Math.max(3, ...ys)];
  const px = (x: number): number => 8 + ((x - x0) / (x1 - x0)) * (width - 16);
  const py = (y: number): number => height - 8 - ((y - y0) / (y1 - y0)) * (height - 16);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(0.5, 0.5, width - 1, height - 1);
  let mistakes = 0;
  for (const p of points) {
    const [x, y] = [px(p.x), py(p.y)];
    ctx.fillStyle = p.label === 0 ? OKABE_ITO.blue : OKABE_ITO.orange;
    ctx.beginPath();
    if (p.label === 0) ctx.arc(x, y, 3, 0, 2 * Math.PI);
    else ctx.rect(x - 3, y - 3, 6, 6);
    ctx.fill();
    if (p.predicted !== p.label) {
      mistakes++;
      ctx.strokeStyle = OKABE_ITO.vermillion;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x - 5, y - 5);
      ctx.lineTo(x + 5, y + 5);
      ctx.moveTo(x + 5, y - 5);
      ctx.lineTo(x - 5, y + 5);
      ctx.stroke();
    }
  }
  const text = `${points.length} latest predictions by their first two features: class 0 as blue circles, class 1 as orange squares; ${mistakes} mistakes crossed in vermillion.`;
  canvas.setAttribute('aria-label', text);
  summary.textContent = text;
}
