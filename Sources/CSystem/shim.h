// System calls Glibc's Swift module does not show (declared only under _GNU_SOURCE).
#include <sys/syscall.h>
#include <unistd.h>

// A directory's entries as the kernel gives them (struct linux_dirent64 records): one call
// instead of opendir's dup, fcntl, fstat and a stream buffer. Returns bytes filled, 0 at the
// end, -1 with errno on error.
static inline long reviewgate_getdents64(int fd, void *buffer, unsigned long size) {
    return syscall(SYS_getdents64, fd, buffer, size);
}

// memmem (a GNU extension): glibc's is a two-way search with vector scans.
void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
static inline const void *reviewgate_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen) {
    return memmem(haystack, haystacklen, needle, needlelen);
}

// memrchr (a GNU extension): the last `c` in the `n` bytes at `s`, searched with vector loads.
void *memrchr(const void *s, int c, size_t n);
static inline const void *reviewgate_memrchr(const void *s, int c, size_t n) {
    return memrchr(s, c, n);
}

// One bit of a shared bitmap set, atomically: nonzero when this call set it (it was clear).
static inline int reviewgate_bit_set(unsigned long long *words, unsigned long bit) {
    unsigned long long mask = 1ULL << (bit & 63);
    return (__atomic_fetch_or(&words[bit >> 6], mask, __ATOMIC_RELAXED) & mask) == 0;
}

// Every bit of a shared bitmap of `count` words cleared, atomically word by word.
static inline void reviewgate_bits_clear(unsigned long long *words, unsigned long count) {
    for (unsigned long i = 0; i < count; i++) __atomic_store_n(&words[i], 0, __ATOMIC_RELAXED);
}

// The CPUs this process may run on (its affinity mask, as taskset or a container's cpuset
// sets it): the number of bits set in the mask, or 0 when the kernel does not say.
static inline int reviewgate_cpus_allowed(void) {
    unsigned long mask[64] = {0};
    long filled = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    if (filled <= 0) return 0;
    int count = 0;
    for (long i = 0; i < filled / (long)sizeof mask[0]; i++) count += __builtin_popcountl(mask[i]);
    return count;
}
