// IDNA (UTS #46) for the URL parser's host processing, through the system ICU that V8
// itself uses (libicu 72).
#include <unicode/uidna.h>

#include <memory>
#include <optional>
#include <string>

#include "api/ops.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

// The URL standard's domain to ASCII: CheckHyphens=false, CheckBidi=true, CheckJoiners=true,
// Transitional_Processing=false, UseSTD3ASCIIRules and VerifyDnsLength = beStrict.
std::optional<std::string> ToAscii(const std::string& domain, bool be_strict) {
  uint32_t options = UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                     UIDNA_NONTRANSITIONAL_TO_UNICODE;
  if (be_strict) options |= UIDNA_USE_STD3_RULES;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UIDNA, void (*)(UIDNA*)> idna(uidna_openUTS46(options, &status), &uidna_close);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out(domain.size() * 4 + 64, '\0');
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  int32_t len = uidna_nameToASCII_UTF8(idna.get(), domain.data(), static_cast<int32_t>(domain.size()),
                                       out.data(), static_cast<int32_t>(out.size()), &info, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    out.resize(len);
    len = uidna_nameToASCII_UTF8(idna.get(), domain.data(), static_cast<int32_t>(domain.size()),
                                 out.data(), len, &info, &status);
  }
  if (U_FAILURE(status)) return std::nullopt;
  uint32_t errors = info.errors;
  // ICU always checks hyphens; the URL standard does not.
  errors &= ~(UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4);
  if (!be_strict) {
    errors &= ~(UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                UIDNA_ERROR_DOMAIN_NAME_TOO_LONG);
  }
  if (errors != 0) return std::nullopt;
  out.resize(len);
  return out;
}

std::optional<std::string> ToUnicode(const std::string& domain) {
  uint32_t options = UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                     UIDNA_NONTRANSITIONAL_TO_UNICODE;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UIDNA, void (*)(UIDNA*)> idna(uidna_openUTS46(options, &status), &uidna_close);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out(domain.size() * 4 + 64, '\0');
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  int32_t len = uidna_nameToUnicodeUTF8(idna.get(), domain.data(), static_cast<int32_t>(domain.size()),
                                        out.data(), static_cast<int32_t>(out.size()), &info, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    out.resize(len);
    len = uidna_nameToUnicodeUTF8(idna.get(), domain.data(), static_cast<int32_t>(domain.size()),
                                  out.data(), len, &info, &status);
  }
  if (U_FAILURE(status)) return std::nullopt;
  out.resize(len);
  return out;  // errors are ignored: ToUnicode is for display and never fails in URL
}

}  // namespace

// domainToAscii(domain, beStrict): the ASCII form, or null when the domain is invalid.
v8::Local<v8::Value> DomainToAscii(jsg::OpContext& cx, std::string domain, bool be_strict) {
  auto result = ToAscii(domain, be_strict);
  if (!result) return v8::Null(cx.isolate());
  return jsg::Str(cx.isolate(), *result);
}

v8::Local<v8::Value> DomainToUnicode(jsg::OpContext& cx, std::string domain) {
  auto result = ToUnicode(domain);
  if (!result) return jsg::Str(cx.isolate(), domain);
  return jsg::Str(cx.isolate(), *result);
}

}  // namespace dw::api
