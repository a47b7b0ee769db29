#include "CScan.h"
#include "cpu.h"

#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Whether byte c is in the run class: A-Z a-z 0-9 + / - _ (the same set as Trigger.isRunByte).
static inline int is_run_byte(uint8_t c) {
    uint8_t folded = c | 0x20;
    return (folded >= 'a' && folded <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '_' || c == '-';
}

// The run-class bits of 64 bytes (bit i: byte i), a byte at a time; `*line_ends` gets the
// bits of the bytes that end a line (LF, CR).
static uint64_t class_bits_plain(const uint8_t *p, uint64_t *line_ends) {
    uint64_t bits = 0, ends = 0;
    for (int i = 0; i < 64; i++) {
        bits |= (uint64_t)is_run_byte(p[i]) << i;
        ends |= (uint64_t)(p[i] == '\n' || p[i] == '\r') << i;
    }
    *line_ends = ends;
    return bits;
}

#if defined(__x86_64__)
// The same with AVX2: each byte's high and low nibbles index two 16-entry tables of group
// bits, and a byte is in the class when the two share one. Groups by high nibble: 2 (+ - /:
// low nibbles B D F), 3 (digits: 0-9), 4 and 6 (letters: 1-F), 5 and 7 (letters: 0-A), and 5
// alone for `_` (F). Bytes of 0x80 and above have a high nibble of 8-F: no group.
__attribute__((target("avx2")))
static uint64_t class_bits_avx2(const uint8_t *p, uint64_t *line_ends) {
    const __m256i low_table = _mm256_setr_epi8(
        10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21,
        10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21);
    const __m256i high_table = _mm256_setr_epi8(
        0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
    uint64_t halves[2], ends[2];
    for (int h = 0; h < 2; h++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * h));
        __m256i lo = _mm256_and_si256(v, nibble);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
        __m256i groups = _mm256_and_si256(_mm256_shuffle_epi8(low_table, lo), _mm256_shuffle_epi8(high_table, hi));
        halves[h] = (uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(groups, zero));
        ends[h] = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, lf), _mm256_cmpeq_epi8(v, cr)));
    }
    *line_ends = ends[0] | ends[1] << 32;
    return halves[0] | halves[1] << 32;
}
#endif

// x shifted toward higher byte positions by k (1 to 63), the bits shifted in taken from the
// previous block's value.
static inline uint64_t carry_shift(uint64_t x, unsigned k, uint64_t previous) {
    return x << k | previous >> (64 - k);
}

// The bits of a block at which a run of `minimum` ends (the byte after it), from the
// doubling lengths of this block and the previous one.
static inline uint64_t long_enough(const uint64_t lengths[6], const uint64_t previous[6], unsigned minimum) {
    uint64_t enough = ~(uint64_t)0;
    unsigned covered = 0;
    for (unsigned j = 0; j < 6; j++) {
        if (!(minimum >> j & 1)) continue;
        enough &= covered == 0 ? lengths[j] : carry_shift(lengths[j], covered, previous[j]);
        covered += 1u << j;
    }
    return enough;
}

// Runs are found with the doubling trick: lengths[j] has bit i set when the 2^j bytes ending
// at byte i are all in the class; a run of `minimum` ending at i is the AND of those powers of
// two that sum to `minimum`, each shifted by the lengths before it. Every shift takes its
// missing bits from the previous block, so runs crossing blocks are seen. A run ends at a
// byte outside the class whose `minimum` bytes before are in it (the bytes past `n` count as
// outside); it starts after the last byte outside the class before it. With `line_minimum`
// (1 to `minimum` - 1; 0: none), shorter runs of at least that many that end a line (the byte
// after them a LF or CR) are found too, their start marked with `REVIEWGATE_LINE_RUN`.
static inline __attribute__((always_inline))
size_t long_runs(const uint8_t *bytes, size_t n, unsigned minimum, unsigned line_minimum, size_t *runs, size_t capacity,
                 uint64_t (*class_bits)(const uint8_t *, uint64_t *)) {
    if (n == 0 || minimum < 1 || minimum > 63 || capacity == 0 || line_minimum >= minimum) return 0;
    uint64_t previous[6] = {0, 0, 0, 0, 0, 0}, previousEnds = 0, previousLineEnds = 0;
    // The last byte outside the class in the blocks before this one (-1: none, so far).
    int64_t lastOutside = -1;
    size_t count = 0;
    size_t full = n / 64;
    uint8_t tail[64];
    // One block past the last full one, padded with bytes outside the class: a run that
    // reaches `n` ends there.
    for (size_t k = 0; k <= full; k++) {
        const uint8_t *p = bytes + 64 * k;
        uint64_t inClass, lineEnds;
        if (k == full) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - 64 * full);
            inClass = class_bits(tail, &lineEnds);
        } else {
            inClass = class_bits(p, &lineEnds);
        }
        uint64_t lengths[6];
        lengths[0] = inClass;
        for (unsigned j = 1; j < 6; j++) {
            unsigned half = 1u << (j - 1);
            lengths[j] = lengths[j - 1] & carry_shift(lengths[j - 1], half, previous[j - 1]);
        }
        uint64_t longEnough = long_enough(lengths, previous, minimum);
        uint64_t outside = ~inClass;
        uint64_t ends = outside & carry_shift(longEnough, 1, previousEnds);
        uint64_t lineRuns = 0, lineEnough = 0;
        if (line_minimum > 0) {
            lineEnough = long_enough(lengths, previous, line_minimum);
            lineRuns = lineEnds & carry_shift(lineEnough, 1, previousLineEnds) & ~ends;
        }
        uint64_t all = ends | lineRuns;
        while (all != 0) {
            unsigned bit = (unsigned)__builtin_ctzll(all);
            all &= all - 1;
            uint64_t before = outside & ((UINT64_C(1) << bit) - 1);
            int64_t start = before != 0 ? (int64_t)(64 * k) + 63 - __builtin_clzll(before) + 1 : lastOutside + 1;
            runs[2 * count] = (size_t)start | (lineRuns >> bit & 1 ? REVIEWGATE_LINE_RUN : 0);
            runs[2 * count + 1] = 64 * k + bit;
            if (++count == capacity) return count;
        }
        if (outside != 0) lastOutside = (int64_t)(64 * k) + 63 - __builtin_clzll(outside);
        memcpy(previous, lengths, sizeof previous);
        previousEnds = longEnough;
        previousLineEnds = lineEnough;
    }
    return count;
}

#if defined(__x86_64__)
// Compiled for AVX2 as a whole, so the class test is inlined into the loop.
__attribute__((target("avx2")))
static size_t long_runs_avx2(const uint8_t *bytes, size_t n, unsigned minimum, unsigned line_minimum, size_t *runs, size_t capacity) {
    return long_runs(bytes, n, minimum, line_minimum, runs, capacity, class_bits_avx2);
}
#endif

size_t reviewgate_long_runs(const uint8_t *bytes, size_t n, unsigned minimum, unsigned line_minimum, size_t *runs, size_t capacity) {
#if defined(__x86_64__)
    if (reviewgate_has_avx2()) return long_runs_avx2(bytes, n, minimum, line_minimum, runs, capacity);
#endif
    return reviewgate_long_runs_portable(bytes, n, minimum, line_minimum, runs, capacity);
}

size_t reviewgate_long_runs_portable(const uint8_t *bytes, size_t n, unsigned minimum, unsigned line_minimum, size_t *runs, size_t capacity) {
    return long_runs(bytes, n, minimum, line_minimum, runs, capacity, class_bits_plain);
}
