#include "CScan.h"
#include "cpu.h"
#include "text.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Binary content as `strings` sees it, in place (`PrintableRuns.view`): every byte that is not
// text (printable ASCII, tab, LF, CR) turned into NUL, except that a UTF-32 or UTF-16 string
// of at least `minimum` units, either byte order, has its characters moved to where it starts
// (zeros after them).

// How many code units of `width` bytes from `i` are a text byte (the first when `low`, else
// the last) and zeros.
static size_t units(const uint8_t *bytes, size_t n, size_t i, size_t width, int low) {
    size_t k = 0, j = i;
    while (j + width <= n) {
        size_t text = low ? j : j + width - 1;
        if (!reviewgate_is_text(bytes[text])) break;
        for (size_t m = j; m < j + width; m++) {
            if (m != text && bytes[m] != 0) return k;
        }
        k++;
        j += width;
    }
    return k;
}

// The wide string at `i` moved together: the bytes it covered, or 0 when none of `minimum`
// units starts there. Each unit's character is read before it is written over (a unit's
// character is at or after where it goes).
static size_t gather(uint8_t *bytes, size_t n, size_t i, size_t width, size_t minimum) {
    int low = bytes[i] != 0;
    size_t k = units(bytes, n, i, width, low);
    if (k < minimum) return 0;
    size_t offset = low ? 0 : width - 1;
    for (size_t j = 0; j < k; j++) bytes[i + j] = bytes[i + width * j + offset];
    for (size_t j = k; j < width * k; j++) bytes[i + j] = 0;
    return width * k;
}

// One step at `i`: a wide string taken whole, or the byte kept or cleared. Returns the next `i`.
static inline size_t step(uint8_t *bytes, size_t n, size_t i, size_t minimum) {
    uint8_t b = bytes[i];
    // UTF-32 (quads that are no UTF-16 pairs), then UTF-16.
    if (i + 7 < n && bytes[i + 1] == 0 && bytes[i + 2] == 0 && ((b != 0) != (bytes[i + 3] != 0))) {
        size_t covered = gather(bytes, n, i, 4, minimum);
        if (covered > 0) return i + covered;
    }
    if (i + 1 < n && ((b != 0) != (bytes[i + 1] != 0))) {
        size_t covered = gather(bytes, n, i, 2, minimum);
        if (covered > 0) return i + covered;
    }
    if (!reviewgate_is_text(b)) bytes[i] = 0;
    return i + 1;
}

void reviewgate_printable_view_portable(uint8_t *bytes, size_t n, size_t minimum) {
    size_t i = 0;
    while (i < n) i = step(bytes, n, i, minimum);
}

#if defined(__x86_64__)
// 32 bytes at once where no step could see a wide string: a step at `j` looks for one only
// where byte j's zeroness differs from byte j+1's, or byte j+2's from byte j+3's; with no such
// pair starting in the 34 bytes from `i`, each of the 32 steps only keeps or clears its byte.
// Where a block has such a pair, the next 32 bytes go a step at a time.
__attribute__((target("avx2")))
static void view_avx2(uint8_t *bytes, size_t n, size_t minimum) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i space_less_one = _mm256_set1_epi8(0x1F), del = _mm256_set1_epi8(0x7F);
    const __m256i tab = _mm256_set1_epi8(9), lf = _mm256_set1_epi8(10), cr = _mm256_set1_epi8(13);
    size_t i = 0, slow_until = 0;
    while (i < n) {
        if (i >= slow_until && i + 35 <= n) {
            __m256i v0 = _mm256_loadu_si256((const __m256i *)(bytes + i));
            __m256i v1 = _mm256_loadu_si256((const __m256i *)(bytes + i + 1));
            __m256i v2 = _mm256_loadu_si256((const __m256i *)(bytes + i + 2));
            __m256i v3 = _mm256_loadu_si256((const __m256i *)(bytes + i + 3));
            __m256i z01 = _mm256_xor_si256(_mm256_cmpeq_epi8(v0, zero), _mm256_cmpeq_epi8(v1, zero));
            __m256i z23 = _mm256_xor_si256(_mm256_cmpeq_epi8(v2, zero), _mm256_cmpeq_epi8(v3, zero));
            if (_mm256_testz_si256(_mm256_or_si256(z01, z23), _mm256_or_si256(z01, z23))) {
                // Signed compare: bytes of 0x80 and above are negative, below 0x20.
                __m256i printable = _mm256_andnot_si256(_mm256_cmpeq_epi8(v0, del), _mm256_cmpgt_epi8(v0, space_less_one));
                __m256i blank = _mm256_or_si256(_mm256_cmpeq_epi8(v0, tab),
                                                _mm256_or_si256(_mm256_cmpeq_epi8(v0, lf), _mm256_cmpeq_epi8(v0, cr)));
                _mm256_storeu_si256((__m256i *)(bytes + i), _mm256_and_si256(v0, _mm256_or_si256(printable, blank)));
                i += 32;
                continue;
            }
            slow_until = i + 32;
        }
        i = step(bytes, n, i, minimum);
    }
}
#endif

void reviewgate_printable_view(uint8_t *bytes, size_t n, size_t minimum) {
#if defined(__x86_64__)
    if (reviewgate_has_avx2()) {
        view_avx2(bytes, n, minimum);
        return;
    }
#endif
    reviewgate_printable_view_portable(bytes, n, minimum);
}
