import sharp from 'sharp';

/** What a simulated candidate's screen shows: the exam, or another application in front of it. */
export type ScreenView = 'exam' | 'other-app';

/** The desktop client scales screen pictures down to this width (desktop/renderer/capture.ts). */
export const screenSize = { width: 1280, height: 720 };

/** Pictures per view: the exam's page moves through its questions. */
const picturesPerView = 6;

/** Lines of text as grey bars: no font is needed, and a picture still compresses like a page of text. */
function textLines(x: number, y: number, width: number, lines: number, seed: number): string {
  return Array.from({ length: lines }, (_, line) => {
    const length = width * (0.55 + 0.45 * Math.abs(Math.sin(seed * 7 + line * 3)));
    return `<rect x="${x}" y="${y + line * 22}" width="${length.toFixed(0)}" height="9" rx="3" fill="#9aa3ad"/>`;
  }).join('');
}

/** The exam page: a question list on the left (question `index` current), the question and its answers. */
function examPage(index: number): string {
  const questions = Array.from({ length: 20 }, (_, question) => {
    const fill = question === index ? '#2f6fdb' : question < index ? '#b8d0f5' : '#e6e9ee';
    return `<rect x="${24 + (question % 4) * 44}" y="${96 + Math.floor(question / 4) * 44}" width="36" height="36" rx="4" fill="${fill}"/>`;
  }).join('');
  const answers = Array.from(
    { length: 4 },
    (_, answer) =>
      `<rect x="260" y="${330 + answer * 70}" width="900" height="54" rx="6" fill="#fff" stroke="#c9ced6"/>` +
      textLines(300, 352 + answer * 70, 500, 1, index * 4 + answer),
  ).join('');
  return (
    `<rect width="1280" height="720" fill="#f4f6f9"/><rect width="1280" height="64" fill="#1f3b63"/>` +
    `<rect x="24" y="22" width="220" height="20" rx="4" fill="#dbe4f0"/>${questions}` +
    `<rect x="240" y="96" width="1010" height="600" rx="8" fill="#fbfcfd" stroke="#d5dae1"/>` +
    textLines(260, 130, 940, 7, index) +
    answers
  );
}

/** A chat application over the exam: contacts on the left, messages on the right. */
function chatWindow(index: number): string {
  const contacts = Array.from(
    { length: 9 },
    (_, contact) =>
      `<circle cx="52" cy="${110 + contact * 64}" r="20" fill="hsl(${(contact * 40 + index * 15) % 360} 45% 55%)"/>` +
      textLines(84, 100 + contact * 64, 180, 2, contact + index),
  ).join('');
  const messages = Array.from({ length: 6 }, (_, message) => {
    const mine = (message + index) % 2 === 0;
    const x = mine ? 760 : 340;
    return (
      `<rect x="${x}" y="${100 + message * 95}" width="440" height="70" rx="14" fill="${mine ? '#3a7d5c' : '#3b4252'}"/>` +
      textLines(x + 20, 118 + message * 95, 380, 2, message * 5 + index)
    );
  }).join('');
  return (
    `<rect width="1280" height="720" fill="#2e3440"/><rect width="300" height="720" fill="#242933"/>` +
    `<rect width="1280" height="56" fill="#1d2129"/>${contacts}${messages}`
  );
}

/** Pictures of each view as the desktop sends them (1280×720 JPEG), rendered once. */
export async function screenPictures(): Promise<Record<ScreenView, Buffer[]>> {
  const render = (shapes: string) =>
    sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${screenSize.width}" height="${screenSize.height}">${shapes}</svg>`,
      ),
    )
      .jpeg({ quality: 80 })
      .toBuffer();
  const indexes = Array.from({ length: picturesPerView }, (_, index) => index);
  return {
    exam: await Promise.all(indexes.map((index) => render(examPage(index)))),
    'other-app': await Promise.all(indexes.map((index) => render(chatWindow(index)))),
  };
}
