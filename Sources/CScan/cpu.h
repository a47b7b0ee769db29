#ifndef REVIEWGATE_CSCAN_CPU_H
#define REVIEWGATE_CSCAN_CPU_H

// Whether this CPU runs AVX2, asked once: 0 not asked yet, 1 no, 2 yes (threads that ask at
// once store the same answer).
static inline int reviewgate_has_avx2(void) {
#if defined(__x86_64__)
    static int avx2 = 0;
    int known = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
    if (known == 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 2 : 1;
        __atomic_store_n(&avx2, known, __ATOMIC_RELAXED);
    }
    return known == 2;
#else
    return 0;
#endif
}

#endif
