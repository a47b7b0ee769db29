#ifndef REVIEWGATE_CSCAN_H
#define REVIEWGATE_CSCAN_H

#include <stddef.h>
#include <stdint.h>

// Byte-class searches the scanner runs over every byte it reads, where 32 bytes tested at once
// (AVX2, chosen at run time; a byte at a time without it) beat anything Swift's code generator
// makes of a loop over bytes.

// The runs of at least `minimum` (1 to 63) bytes of the base64 alphabet (A-Z a-z 0-9 + / - _)
// in `bytes`, each whole (from its first byte to the byte after its last), in order: written
// to `runs` as start, end pairs, at most `capacity` of them; returns how many were written.
// When that is `capacity`, more may follow: search again from the last one's end (a byte
// outside the alphabet, or `n`). With `line_minimum` (1 to `minimum` - 1; 0: none), the
// shorter runs of at least that many that end a line (the byte after them a LF or CR) are
// written too, in order with the others, their start or'ed with `REVIEWGATE_LINE_RUN`: the
// lines of base64 wrapped narrower than `minimum`.
size_t reviewgate_long_runs(const uint8_t *bytes, size_t n, unsigned minimum, unsigned line_minimum, size_t *runs, size_t capacity);

// The same a byte at a time, as it runs on a CPU without AVX2 (for tests to compare).
size_t reviewgate_long_runs_portable(const uint8_t *bytes, size_t n, unsigned minimum, unsigned line_minimum, size_t *runs, size_t capacity);

// The mark on a line run's start (`reviewgate_long_runs`).
#define REVIEWGATE_LINE_RUN 0x4000000000000000ULL

// Git tree entries (`mode SP name NUL` and a 20-byte id) that start `a` and `b` alike, byte
// for byte, `n` bytes at most read from each: returns their total length, and sets `*last` to
// where the last of them starts (-1: none). An entry cut short by `n` is not counted.
size_t reviewgate_identical_entries(const uint8_t *a, const uint8_t *b, size_t n, long *last);

// Where `word` (`length` bytes, an identifier) next stands in `bytes` from `from` as a whole
// identifier (no letter, digit or `_` right before or after it); `n` when nowhere. Occurrences
// inside a longer identifier are passed over here, not handed back one by one.
size_t reviewgate_find_word(const uint8_t *bytes, size_t n, size_t from, const uint8_t *word, size_t length);

// Stretches of text bytes (printable ASCII, tab, CR, LF) and NULs, from a text byte to a text
// byte, with a NUL between two of their text bytes and at least `minimum` text bytes, from
// `from` on: written to `stretches` as start, end pairs (end: after the last text byte), at
// most `capacity` of them; returns how many were written. When that is `capacity`, more may
// follow: search again from the last one's end.
size_t reviewgate_nul_stretches(const uint8_t *bytes, size_t n, size_t from, size_t minimum, size_t *stretches, size_t capacity);

// The same a byte at a time (for tests to compare; the one above starts from each NUL).
size_t reviewgate_nul_stretches_portable(const uint8_t *bytes, size_t n, size_t from, size_t minimum, size_t *stretches, size_t capacity);

// Binary content as `strings` sees it, in place (`PrintableRuns.view`): bytes other than
// printable ASCII, tab, LF and CR made NUL, and each UTF-32 or UTF-16 string of at least
// `minimum` units (either byte order, at any offset) moved together where it starts, zeros
// after it. Clean stretches go 32 bytes at a time with AVX2.
void reviewgate_printable_view(uint8_t *bytes, size_t n, size_t minimum);

// The same a byte at a time (for tests to compare).
void reviewgate_printable_view_portable(uint8_t *bytes, size_t n, size_t minimum);

#endif
