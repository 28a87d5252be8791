// sudoku.js: the page's sudoku vocabulary, without DOM: difficulty levels as rating bands, and
// puzzle text as people paste it.

// Difficulty levels as bands of core's rating (the backtracks of its solver's proof that the
// solution is unique; trm.d.ts Sudoku.rating). Of minimal puzzles about 42% rate 0, 19% 1, 20%
// 2-3, 14% 4-7, 4% 8-15 and under 1% 16 or more, so every level but the last takes a few solved
// grids to find (the worker's generateSudoku) and Hardest about a hundred (0.1-0.3 s).
export const LEVELS = Object.freeze({
  easy: Object.freeze({ name: 'Easy', minRating: 0, maxRating: 0, what: 'naked and hidden singles solve it' }),
  medium: Object.freeze({ name: 'Medium', minRating: 1, maxRating: 3, what: '1-3 dead ends of the C solver' }),
  hard: Object.freeze({ name: 'Hard', minRating: 4, maxRating: 15, what: '4-15 dead ends of the C solver' }),
  hardest: Object.freeze({ name: 'Hardest', minRating: 16, maxRating: null, what: '16 or more dead ends of the C solver' }),
});

// The level whose band holds a rating.
export function levelOf(rating) {
  return Object.keys(LEVELS).find((k) => rating >= LEVELS[k].minRating && (LEVELS[k].maxRating == null || rating <= LEVELS[k].maxRating));
}

// Pasted text -> the characters of a grid: whitespace and the lines of a drawn grid ('|', '+',
// '-') go; everything else is kept for the module to check (so a stray character is named, not
// dropped). '0' blanks are the module's business too.
export function puzzleText(text) {
  return String(text).replace(/[\s|+-]/g, '');
}

// The cells a check names ("... (row 1, column 4 and row 2, column 3)"), as indices.
export function namedCells(message) {
  return [...String(message ?? '').matchAll(/row (\d), column (\d)/g)].map((m) => 9 * Number(m[1]) + Number(m[2]));
}
