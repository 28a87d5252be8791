/* csv.h: HRM datasets as CSV (TRM §1.2), read into token arrays and written back.
 *
 * Format: a header row (skipped; it must have 4 columns, normally source,question,answer,rating),
 * then one row per puzzle with 4 columns: source (free text), question and answer (row-major grid
 * strings over the task's charset, "# SGo" for mazes, of equal length h*w) and rating (an
 * integer; for mazes we write the shortest path length in moves). Standard CSV quoting: a field may be enclosed in double quotes, inside which
 * commas, CR/LF and "" (one literal quote) may appear. Lines end in LF, CRLF or CR; a leading
 * UTF-8 byte order mark and empty lines are ignored. A rating may be written as "118" or
 * "118.0" (a float with a zero fraction, as pandas writes integers), nothing else.
 *
 * Grid size: given by the caller, or 0 x 0 to infer it from the first data row as a square
 * (side = sqrt(len); a non-square length is an error). Every row must then have that length.
 *
 * Errors name the file, the line where the row starts, the data row (1 = first row after the
 * header), the column, and for grid characters the grid row and column.
 */
#ifndef TRMN_CSV_H
#define TRMN_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "task.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trmn_csv_dataset {
    const trm_task *task; /* what the grids mean: their characters and the question/answer rules */
    size_t count;         /* data rows */
    int height, width;    /* grid size; cells = height * width */
    uint8_t *questions;   /* [count * cells] tokens (TRM §1.1) */
    uint8_t *answers;     /* [count * cells] tokens */
    int32_t *ratings;     /* [count] */
    char **sources;       /* [count] NUL-terminated strings (pointers into one block) */
    /* private: capacity and the source text block */
    size_t cap_rows, text_len, text_cap;
    char *text;
    size_t *text_off;
} trmn_csv_dataset;

/* An empty dataset of task (NULL: the default, mazes) for h x w grids (h = w = 0: unknown until
 * the first row is added/parsed). */
void trmn_csv_init(trmn_csv_dataset *d, const trm_task *task, int height, int width);
void trmn_csv_free(trmn_csv_dataset *d);

/* Append one row (copies everything). question, answer: [height*width] tokens of the task. */
trm_status trmn_csv_append(trmn_csv_dataset *d, const char *source, const uint8_t *question,
                           const uint8_t *answer, int32_t rating, trm_error *err);

/* Parse text[0..len) (need not be NUL-terminated). name labels error messages (e.g. the path).
 * height = width = 0 infers a square size. On error *out is left empty (free it anyway or not:
 * both are safe). */
trm_status trmn_csv_parse(const char *text, size_t len, const char *name, const trm_task *task, int height,
                          int width, trmn_csv_dataset *out, trm_error *err);
/* Read and parse a whole file. */
trm_status trmn_csv_read(const char *path, const trm_task *task, int height, int width, trmn_csv_dataset *out,
                         trm_error *err);

/* The CSV text of d (header + rows, LF line ends, grid fields always quoted, the source quoted
 * when it holds a comma, quote, CR or LF). *out is malloc'd (NUL-terminated), *len its length. */
trm_status trmn_csv_format(const trmn_csv_dataset *d, char **out, size_t *len, trm_error *err);
/* Write d to path atomically (temporary file + rename). */
trm_status trmn_csv_write(const char *path, const trmn_csv_dataset *d, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_CSV_H */
