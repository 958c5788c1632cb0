// The address check of fetchStart and socketConnect as JS sees it (sandbox egress policy,
// docs/architecture.md "Address filters"): the op argument that lists the denied CIDR blocks,
// the Error a denial rejects with, and the op that recognizes that Error.
#pragma once

#include <memory>
#include <span>

#include "io/address_filter.h"
#include "jsg/ops.h"

namespace dw::api {

// `cidrs` is undefined or null (no filter), or an array of strings such as "10.0.0.0/8",
// "fd00::/8" (io::CidrBlock::Parse); an empty array is no filter either. Otherwise throws a
// TypeError (the parse error's sentence for a bad block) and returns false.
bool AddressFilterArg(jsg::OpContext& cx, v8::Local<v8::Value> cidrs,
                      std::shared_ptr<const io::AddressFilter>* filter);

// Error "Egress to HOST:PORT is not permitted by the sandbox policy." with own read-only
// properties deniedAddress ("10.0.0.1") and deniedCidr ("10.0.0.0/8"), and a private mark
// that only isAddressDenial reads: user code can copy the message and properties onto an
// object of its own, never the mark.
v8::Local<v8::Value> AddressDenialError(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                        const io::AddressDenial& denial);

// isAddressDenial(value) -> whether `value` is an Error made by AddressDenialError.
std::span<const jsg::OpDef> AddressDenialOps();

}  // namespace dw::api
