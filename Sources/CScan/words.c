#include "CScan.h"

#include <string.h>

// A byte of an identifier: a letter, a digit or `_` (Decoders.isIdentifier).
static inline int is_identifier(uint8_t c) {
    uint8_t folded = c | 0x20;
    return (folded >= 'a' && folded <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

size_t reviewgate_find_word(const uint8_t *bytes, size_t n, size_t from, const uint8_t *word, size_t length) {
    if (length == 0) return n;
    while (from + length <= n) {
        // Every place the first byte stands, 32 bytes looked at a time by memchr; the rest
        // of the word and its two neighbours checked there.
        const uint8_t *hit = memchr(bytes + from, word[0], n - length + 1 - from);
        if (hit == NULL) return n;
        size_t i = (size_t)(hit - bytes);
        if (memcmp(hit + 1, word + 1, length - 1) == 0 && (i == 0 || !is_identifier(bytes[i - 1]))
            && (i + length == n || !is_identifier(bytes[i + length]))) {
            return i;
        }
        from = i + 1;
    }
    return n;
}
