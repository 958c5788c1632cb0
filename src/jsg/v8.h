// The one header through which the project includes V8.
#pragma once

#include <libplatform/libplatform.h>
#include <v8.h>

#if V8_MAJOR_VERSION != 10
#error "wrong V8 headers: expected Debian libnode-dev (V8 10.2) from third_party/debroot; run tools/bootstrap.sh"
#endif
