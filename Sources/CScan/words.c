#define _GNU_SOURCE
#include "CScan.h"
#include "text.h"

#include <string.h>

// A byte of an identifier: a letter, a digit or `_` (Decoders.isIdentifier).
static inline int is_identifier(uint8_t c) {
    uint8_t folded = c | 0x20;
    return (folded >= 'a' && folded <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

size_t reviewgate_find_word(const uint8_t *bytes, size_t n, size_t from, const uint8_t *word, size_t length) {
    if (length == 0) return n;
    while (from + length <= n) {
        // glibc's memmem (a vector scan for the word's bytes) finds each place it stands; its
        // two neighbours are checked here, and a use inside a longer name is passed over
        // without going back to the caller. A name of one to three letters (`p`, `a`, `tok`)
        // stands inside most words of a text: memchr for its first letter costs less a stop
        // than memmem's set-up.
        const uint8_t *hit;
        if (length <= 3) {
            hit = memchr(bytes + from, word[0], n - from - length + 1);
            if (hit != NULL && memcmp(hit, word, length) != 0) {
                from = (size_t)(hit - bytes) + 1;
                continue;
            }
        } else {
            hit = memmem(bytes + from, n - from, word, length);
        }
        if (hit == NULL) return n;
        size_t i = (size_t)(hit - bytes);
        if ((i == 0 || !is_identifier(bytes[i - 1])) && (i + length == n || !is_identifier(bytes[i + length]))) return i;
        from = i + length;
    }
    return n;
}

size_t reviewgate_nul_stretches_portable(const uint8_t *bytes, size_t n, size_t from, size_t minimum, size_t *stretches, size_t capacity) {
    // A branch on each byte's class (a branch-free form with selects measured slower on
    // compiled objects).
    size_t count = 0, start = 0, last = 0, letters = 0;
    int joined = 0, gap = 0;
    for (size_t i = from; i < n && count < capacity; i++) {
        uint8_t c = bytes[i];
        if (c == 0) {
            gap = letters > 0;
            continue;
        }
        if (reviewgate_is_text(c)) {
            if (letters == 0) start = i;
            if (gap) joined = 1;
            gap = 0;
            letters++;
            last = i;
            continue;
        }
        if (joined && letters >= minimum) {
            stretches[2 * count] = start;
            stretches[2 * count + 1] = last + 1;
            count++;
        }
        letters = 0;
        joined = 0;
        gap = 0;
    }
    if (count < capacity && joined && letters >= minimum) {
        stretches[2 * count] = start;
        stretches[2 * count + 1] = last + 1;
        count++;
    }
    return count;
}

// The same from each NUL byte: only a stretch with a NUL in it can qualify, and binary noise
// (an archive member, a compressed stream's bytes) has one NUL in 256 bytes. The stretch
// around a NUL is the run of text bytes and NULs holding it; the search goes on after it.
size_t reviewgate_nul_stretches(const uint8_t *bytes, size_t n, size_t from, size_t minimum, size_t *stretches, size_t capacity) {
    size_t count = 0, i = from;
    while (i < n && count < capacity) {
        const uint8_t *nul = memchr(bytes + i, 0, n - i);
        if (nul == NULL) break;
        size_t p = (size_t)(nul - bytes), start = p, end = p + 1;
        while (start > i && (bytes[start - 1] == 0 || reviewgate_is_text(bytes[start - 1]))) start--;
        while (end < n && (bytes[end] == 0 || reviewgate_is_text(bytes[end]))) end++;
        // Its text bytes: the first, the last, how many, and whether a NUL lies between two.
        size_t first = end, last = 0, letters = 0;
        int joined = 0, gap = 0;
        for (size_t k = start; k < end; k++) {
            if (bytes[k] == 0) {
                gap = letters > 0;
                continue;
            }
            if (letters == 0) first = k;
            if (gap) joined = 1;
            gap = 0;
            letters++;
            last = k;
        }
        if (joined && letters >= minimum) {
            stretches[2 * count] = first;
            stretches[2 * count + 1] = last + 1;
            count++;
        }
        i = end;
    }
    return count;
}
