#include "CScan.h"
#include "cpu.h"

#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// How many bytes `a` and `b` share from the start, eight at a time.
static inline __attribute__((always_inline)) size_t common_prefix_words(const uint8_t *a, const uint8_t *b, size_t n, size_t i) {
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) return i + (size_t)(__builtin_ctzll(x ^ y) >> 3);
    }
    while (i < n && a[i] == b[i]) i++;
    return i;
}

#if defined(__x86_64__)
// The same, 32 bytes at a time, then eight.
__attribute__((target("avx2")))
static size_t common_prefix_avx2(const uint8_t *a, const uint8_t *b, size_t n) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(a + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(b + i));
        uint32_t equal = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, y));
        if (equal != 0xFFFFFFFFu) return i + (size_t)__builtin_ctz(~equal);
    }
    return common_prefix_words(a, b, n, i);
}
#endif

static size_t common_prefix(const uint8_t *a, const uint8_t *b, size_t n) {
#if defined(__x86_64__)
    if (reviewgate_has_avx2()) return common_prefix_avx2(a, b, n);
#endif
    return common_prefix_words(a, b, n, 0);
}

// The first zero byte of p[from, to), or `to`: eight bytes at a time (the classic test for a
// zero byte in a word), as names are short and a call per entry cost more than the search.
static inline size_t next_zero(const uint8_t *p, size_t from, size_t to) {
    size_t i = from;
    for (; i + 8 <= to; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t zero = (x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080);
        if (zero != 0) return i + (size_t)(__builtin_ctzll(zero) >> 3);
    }
    while (i < to && p[i] != 0) i++;
    return i;
}

size_t reviewgate_identical_entries(const uint8_t *a, const uint8_t *b, size_t n, long *last) {
    *last = -1;
    if (n == 0) return 0;
    size_t same = common_prefix(a, b, n);
    size_t length = 0;
    while (length < same) {
        size_t nul = next_zero(a, length, same);
        if (nul >= same || nul + 21 > same) break;
        *last = (long)length;
        length = nul + 21;
    }
    return length;
}
