// libFuzzer target: the config parsers of `dynworker serve` and `dynworker test`: JSONC
// (wrangler.jsonc), TOML (wrangler.toml) and the validation of the parsed document
// (WorkerConfigFromValue), which must answer every input with a value or an error, never a
// crash. The first input byte picks the format. Build and run: tools/fuzz config.
#include <cstdint>
#include <string_view>

#include "server/config.h"
#include "util/dotenv.h"
#include "util/json.h"
#include "util/toml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  absl::StatusOr<dw::json::Value> doc;
  switch (data[0] % 3) {
    case 0:
      doc = dw::json::Parse(text, dw::json::ParseOptions::Jsonc());
      break;
    case 1:
      doc = dw::ParseToml(text);
      break;
    default:
      (void)dw::dotenv::Parse(text);
      return 0;
  }
  // A directory that does not exist: nothing is read from disk beyond failing lookups.
  if (doc.ok()) (void)dw::WorkerConfigFromValue(*doc, "/nonexistent-dynworker-fuzz/wrangler.jsonc");
  return 0;
}
