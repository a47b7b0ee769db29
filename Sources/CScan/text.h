#ifndef REVIEWGATE_CSCAN_TEXT_H
#define REVIEWGATE_CSCAN_TEXT_H

#include <stdint.h>

// A byte of text as `strings` and the binary view keep it: printable ASCII, tab, LF, CR.
static inline int reviewgate_is_text(uint8_t c) {
    return (c >= 0x20 && c < 0x7F) || c == 9 || c == 10 || c == 13;
}

#endif
