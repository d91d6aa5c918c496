/* fuzz_common.h — helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): a private
 * scratch folder (on tmpfs when /dev/shm is usable) for targets whose code path takes a file. */
#ifndef SPS_FUZZ_COMMON_H
#define SPS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The scratch folder of this process (made on first use, removed at exit); NULL if none. */
const char *sps_fuzz_scratch(void);
/** Write @p data to scratch/@p name (replacing it); returns the full path (static) or NULL. */
const char *sps_fuzz_write(const char *name, const uint8_t *data, size_t size);

#endif
