#include "wazuh/pcre2_pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace wazuh {

struct Pcre2Pattern::Code {
  explicit Code(pcre2_code* c) : code(c) {}
  ~Code() { pcre2_code_free(code); }
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;
  pcre2_code* code;
};

std::optional<Pcre2Pattern> Pcre2Pattern::compile(std::string_view pattern, std::string* error) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                   &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    if (error) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error_code, message, sizeof(message));
      *error = std::string("PCRE2 error at offset ") + std::to_string(error_offset) + ": " +
               reinterpret_cast<const char*>(message);
    }
    return std::nullopt;
  }
  Pcre2Pattern p;
  p.code_ = std::make_shared<const Code>(code);
  return p;
}

bool Pcre2Pattern::matches(std::string_view subject) const {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  if (!data) return false;
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, data.get(), nullptr);
  return rc >= 0;
}

}  // namespace wazuh
