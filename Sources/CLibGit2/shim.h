#include <git2.h>
#include <sys/types.h>

/* git_libgit2_opts is variadic, which Swift cannot call; these fix its argument types. */
static inline int reviewgate_opts_int(int option, int value) {
    return git_libgit2_opts(option, value);
}
static inline int reviewgate_opts_cache_object_limit(git_object_t type, size_t size) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, type, size);
}
static inline int reviewgate_opts_cache_max_size(ssize_t size) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, size);
}
static inline int reviewgate_opts_size(int option, size_t value) {
    return git_libgit2_opts(option, value);
}
