/**
 * Generates the built-in puzzle images as SVG from fixed seeds, so the project
 * ships its own art (CC0, see client/public/images/LICENSE.md) and anyone can
 * regenerate it: `npx tsx client/art/generate-art.ts`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { between, createPrng, type Prng } from "../../shared/prng.ts";
import { BUILT_IN_IMAGES } from "../images.ts";

const OUT_DIR = fileURLToPath(new URL("../public/images/", import.meta.url));

const pick = <T>(prng: Prng, items: readonly T[]): T => items[Math.floor(prng() * items.length)]!;
const f = (value: number): string => value.toFixed(1);

function svg(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n${body}\n</svg>\n`;
}

/** A ridge line across the image: midpoint displacement for a natural skyline. */
function ridge(prng: Prng, width: number, baseY: number, roughness: number, depth: number): string {
  let points: number[] = [baseY, baseY];
  let amplitude = roughness;
  for (let level = 0; level < depth; level++) {
    const next: number[] = [];
    for (let i = 0; i < points.length - 1; i++) next.push(points[i]!, (points[i]! + points[i + 1]!) / 2 + between(prng, -amplitude, amplitude));
    next.push(points[points.length - 1]!);
    points = next;
    amplitude *= 0.55;
  }
  const step = width / (points.length - 1);
  return points.map((y, i) => `${f(i * step)},${f(y)}`).join(" ");
}

function alpineDusk(width: number, height: number): string {
  const prng = createPrng(11);
  const parts: string[] = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1b1f4b"/><stop offset="0.45" stop-color="#7a3f78"/><stop offset="0.7" stop-color="#f08a5d"/><stop offset="1" stop-color="#f9d56e"/></linearGradient>`,
    `<radialGradient id="sun"><stop offset="0" stop-color="#fff6d5"/><stop offset="0.4" stop-color="#ffd36e"/><stop offset="1" stop-color="#ffd36e" stop-opacity="0"/></radialGradient>`,
    `<linearGradient id="lake" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f2a36b"/><stop offset="1" stop-color="#2b2350"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#sky)"/>`,
  ];
  for (let i = 0; i < 160; i++) {
    const y = between(prng, 0, height * 0.35);
    parts.push(`<circle cx="${f(between(prng, 0, width))}" cy="${f(y)}" r="${f(between(prng, 0.6, 2.2))}" fill="#fff" opacity="${f(between(prng, 0.3, 0.9) * (1 - y / (height * 0.4)))}"/>`);
  }
  parts.push(`<circle cx="${width * 0.68}" cy="${height * 0.52}" r="${height * 0.2}" fill="url(#sun)"/>`);
  const layers = ["#5b3a6e", "#48305e", "#35264d", "#24193a"];
  layers.forEach((color, index) => {
    const base = height * (0.42 + index * 0.06);
    parts.push(`<polygon points="0,${height} ${ridge(prng, width, base, height * (0.16 - index * 0.025), 8)} ${width},${height}" fill="${color}"/>`);
    if (index === 0) parts.push(`<polygon points="0,${height} ${ridge(prng, width, base - 6, height * 0.05, 7)} ${width},${height}" fill="#fff" opacity="0.08"/>`);
  });
  const shore = height * 0.7;
  parts.push(`<rect y="${shore}" width="${width}" height="${height - shore}" fill="url(#lake)"/>`);
  for (let i = 0; i < 70; i++) {
    const y = between(prng, shore + 4, height);
    parts.push(`<rect x="${f(between(prng, width * 0.4, width * 0.95))}" y="${f(y)}" width="${f(between(prng, 20, 140))}" height="2" fill="#ffe7a8" opacity="${f(between(prng, 0.15, 0.5))}"/>`);
  }
  for (let i = 0; i < 90; i++) {
    const x = between(prng, -20, width + 20);
    const treeHeight = between(prng, height * 0.08, height * 0.22);
    const baseY = shore + between(prng, -4, 10);
    const tree: string[] = [];
    for (let tier = 0; tier < 4; tier++) {
      const top = baseY - treeHeight + (tier * treeHeight) / 5;
      const half = (treeHeight / 7) * (tier + 1) * 0.7;
      tree.push(`${f(x)},${f(top)} ${f(x + half)},${f(top + treeHeight / 3)} ${f(x - half)},${f(top + treeHeight / 3)}`);
    }
    const shade = pick(prng, ["#141026", "#1a1430", "#0f0c1f"]);
    for (const points of tree) parts.push(`<polygon points="${points}" fill="${shade}"/>`);
    parts.push(`<rect x="${f(x - 2)}" y="${f(baseY - treeHeight / 6)}" width="4" height="${f(treeHeight / 6)}" fill="${shade}"/>`);
  }
  return svg(width, height, parts.join("\n"));
}

function mosaicGarden(width: number, height: number): string {
  const prng = createPrng(23);
  const palette = ["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#f6f1e9", "#8ab17d", "#b56576", "#355070", "#eaac8b"];
  const tile = 100;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="#1d2b36"/>`];
  for (let y = 0; y < height; y += tile) {
    for (let x = 0; x < width; x += tile) {
      const background = pick(prng, palette);
      let accent = pick(prng, palette);
      while (accent === background) accent = pick(prng, palette);
      const third = pick(prng, palette);
      parts.push(`<rect x="${x}" y="${y}" width="${tile}" height="${tile}" fill="${background}"/>`);
      const cx = x + tile / 2;
      const cy = y + tile / 2;
      switch (Math.floor(prng() * 5)) {
        case 0:
          for (let petal = 0; petal < 8; petal++) {
            const angle = (petal * Math.PI) / 4;
            parts.push(`<ellipse cx="${f(cx + Math.cos(angle) * 22)}" cy="${f(cy + Math.sin(angle) * 22)}" rx="16" ry="9" transform="rotate(${f((angle * 180) / Math.PI)} ${f(cx + Math.cos(angle) * 22)} ${f(cy + Math.sin(angle) * 22)})" fill="${accent}"/>`);
          }
          parts.push(`<circle cx="${cx}" cy="${cy}" r="12" fill="${third}"/>`);
          break;
        case 1: {
          const corner = Math.floor(prng() * 4);
          const qx = x + (corner % 2) * tile;
          const qy = y + Math.floor(corner / 2) * tile;
          parts.push(`<circle cx="${qx}" cy="${qy}" r="${tile * 0.9}" fill="${accent}"/><circle cx="${qx}" cy="${qy}" r="${tile * 0.55}" fill="${third}"/><circle cx="${qx}" cy="${qy}" r="${tile * 0.25}" fill="${background}"/>`);
          break;
        }
        case 2:
          for (let ring = 4; ring > 0; ring--) parts.push(`<circle cx="${cx}" cy="${cy}" r="${ring * 11}" fill="${ring % 2 ? accent : third}"/>`);
          break;
        case 3:
          parts.push(`<polygon points="${x},${y + tile} ${cx},${y + 8} ${x + tile},${y + tile}" fill="${accent}"/><polygon points="${x + 20},${y + tile} ${cx},${y + 40} ${x + tile - 20},${y + tile}" fill="${third}"/>`);
          break;
        default:
          for (let stripe = 0; stripe < 5; stripe++) parts.push(`<rect x="${x + stripe * 20}" y="${y}" width="10" height="${tile}" fill="${accent}" opacity="${f(0.5 + stripe * 0.1)}"/>`);
          parts.push(`<circle cx="${cx}" cy="${cy}" r="18" fill="${third}"/>`);
      }
      parts.push(`<rect x="${x}" y="${y}" width="${tile}" height="${tile}" fill="none" stroke="#1d2b36" stroke-width="3"/>`);
    }
  }
  return svg(width, height, `<g>${parts.join("\n")}</g>`);
}

function balloonFestival(width: number, height: number): string {
  const prng = createPrng(37);
  const parts: string[] = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4aa3df"/><stop offset="0.7" stop-color="#bfe6ff"/><stop offset="1" stop-color="#fef3d0"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#sky)"/>`,
  ];
  for (let i = 0; i < 14; i++) {
    const cx = between(prng, 0, width);
    const cy = between(prng, height * 0.05, height * 0.6);
    const scale = between(prng, 0.6, 1.6);
    for (let puff = 0; puff < 6; puff++) {
      parts.push(`<ellipse cx="${f(cx + between(prng, -70, 70) * scale)}" cy="${f(cy + between(prng, -14, 14) * scale)}" rx="${f(between(prng, 30, 60) * scale)}" ry="${f(between(prng, 16, 28) * scale)}" fill="#fff" opacity="0.85"/>`);
    }
  }
  parts.push(`<polygon points="0,${height} ${ridge(prng, width, height * 0.86, height * 0.05, 7)} ${width},${height}" fill="#6fae5a"/>`);
  parts.push(`<polygon points="0,${height} ${ridge(prng, width, height * 0.93, height * 0.03, 7)} ${width},${height}" fill="#4c8c3f"/>`);
  const colors = ["#e63946", "#f1c40f", "#2a9d8f", "#8e44ad", "#f77f00", "#1d3557", "#ff6fb5", "#06d6a0"];
  const balloons = Array.from({ length: 26 }, () => ({ x: between(prng, 40, width - 40), y: between(prng, height * 0.08, height * 0.8), r: between(prng, 22, 80) })).sort((a, b) => a.r - b.r);
  for (const { x, y, r } of balloons) {
    const a = pick(prng, colors);
    let b = pick(prng, colors);
    while (b === a) b = pick(prng, colors);
    const id = `b${Math.round(x)}${Math.round(y)}`;
    parts.push(`<clipPath id="${id}"><path d="M ${f(x)} ${f(y + r * 1.25)} C ${f(x - r * 1.3)} ${f(y + r * 0.3)} ${f(x - r * 1.1)} ${f(y - r)} ${f(x)} ${f(y - r)} C ${f(x + r * 1.1)} ${f(y - r)} ${f(x + r * 1.3)} ${f(y + r * 0.3)} ${f(x)} ${f(y + r * 1.25)} Z"/></clipPath>`);
    const stripes: string[] = [];
    for (let i = -3; i <= 3; i++) stripes.push(`<rect x="${f(x + (i - 0.5) * r * 0.36)}" y="${f(y - r)}" width="${f(r * 0.36)}" height="${f(r * 2.3)}" fill="${i % 2 === 0 ? a : b}"/>`);
    parts.push(`<g clip-path="url(#${id})">${stripes.join("")}<ellipse cx="${f(x - r * 0.35)}" cy="${f(y - r * 0.35)}" rx="${f(r * 0.35)}" ry="${f(r * 0.5)}" fill="#fff" opacity="0.25"/></g>`);
    parts.push(`<line x1="${f(x - r * 0.3)}" y1="${f(y + r * 1.15)}" x2="${f(x - r * 0.15)}" y2="${f(y + r * 1.55)}" stroke="#5a3b1c" stroke-width="1.5"/><line x1="${f(x + r * 0.3)}" y1="${f(y + r * 1.15)}" x2="${f(x + r * 0.15)}" y2="${f(y + r * 1.55)}" stroke="#5a3b1c" stroke-width="1.5"/>`);
    parts.push(`<rect x="${f(x - r * 0.17)}" y="${f(y + r * 1.55)}" width="${f(r * 0.34)}" height="${f(r * 0.28)}" rx="2" fill="#8b5a2b"/>`);
  }
  return svg(width, height, parts.join("\n"));
}

const GENERATORS: Record<string, (width: number, height: number) => string> = {
  "alpine-dusk": alpineDusk,
  "mosaic-garden": mosaicGarden,
  "balloon-festival": balloonFestival,
};

for (const image of BUILT_IN_IMAGES) {
  const generate = GENERATORS[image.id];
  if (!generate) throw new Error(`no generator for built-in image ${image.id}`);
  writeFileSync(`${OUT_DIR}${image.id}.svg`, generate(image.width, image.height));
  console.log(`wrote ${image.id}.svg (${image.width}x${image.height})`);
}
