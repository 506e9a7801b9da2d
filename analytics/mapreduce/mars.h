#pragma once
// The Mars execution strategy for text jobs (Note [Mars strategy] in mars_phases.h): the entry
// points the jobs call, the per-block result, and the registry through which a device library
// provides the strategy for its device type (as analytics/ops/device_ops.h does for operators).
// Nothing here includes Thrust, so callers build whether or not the Thrust headers were found.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/mapreduce/words.h"
#include "runtime/device.h"

namespace nimbus::analytics::mapreduce {

// Which engine runs a text job: Phoenix (per-piece hash-table combiners, map_reduce.h; CPU only)
// or Mars (count, prefix sum, emit, sort, reduce; the same code on the host and on a GPU).
enum class Strategy : uint8_t { phoenix, mars };

// "phoenix", "mars"; ConfigError listing them for anything else.
NIMBUS_API Strategy parse_strategy(std::string_view name);

struct MarsOptions {
  // Bytes of text one map task reads (a GPU thread, a host loop iteration). A word belongs to the
  // task holding its first byte and may run past the task's end.
  int64_t chunk_bytes = 256;
  // Bits of the word hash the shuffle sorts by. Below 64 only in tests: it forces collisions, so
  // the exact fallback (Note [Mars strategy]) runs.
  int hash_bits = 64;
};

// The distinct words of one block: word i is the block's bytes [position[i], position[i] +
// length[i]) (before lower-casing, on a device) and occurs count[i] times. In no particular order.
struct MarsWordCounts {
  std::vector<int64_t> position, length, count;
};

// Whether this build holds the host instantiation (it needs the Thrust headers at build time).
NIMBUS_API bool mars_host_available();
// Word count of one block on the host (Thrust's OpenMP system). `text` is lower-cased in place
// under alnum_lower. ConfigError when !mars_host_available().
NIMBUS_API MarsWordCounts mars_host_word_count(std::string& text, WordRule rule, const MarsOptions& options = {});

// What a device library registers for its device type.
struct MarsDeviceOps {
  // Word count of one block (host memory; copied to `device` and left unchanged).
  MarsWordCounts (*word_count)(std::string_view text, WordRule rule, Device device, const MarsOptions& options) =
      nullptr;
};

// Installs the entries for a device type (replacing any before it).
NIMBUS_API void register_mars_device_ops(DeviceType type, const MarsDeviceOps& ops);
// The entries registered for the type, or nullptr.
NIMBUS_API const MarsDeviceOps* mars_device_ops(DeviceType type);

// Word count of one block on `device` with the Mars strategy: the host instantiation on the CPU,
// the registered device entry elsewhere (the device's library is loaded first). Errors say what is
// missing: the host path in a build without Thrust, a device type without a registration.
NIMBUS_API MarsWordCounts mars_word_count_block(std::string& text, WordRule rule, Device device,
                                                const MarsOptions& options = {});

}  // namespace nimbus::analytics::mapreduce
