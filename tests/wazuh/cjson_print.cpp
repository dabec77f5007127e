// cJSON_Print / cJSON_PrintUnformatted (cJSON 1.7 print_value and helpers).

#include <cfloat>
#include <cmath>
#include <cstdio>

#include "wazuh/cjson.h"

namespace wazuh::cjson {
namespace {

bool compare_double(double a, double b) {
  const double max_val = std::fabs(a) > std::fabs(b) ? std::fabs(a) : std::fabs(b);
  return std::fabs(a - b) <= max_val * DBL_EPSILON;
}

void print_number(const Item& item, std::string& out) {
  const double d = item.number;
  char buffer[32];
  if (std::isnan(d) || std::isinf(d)) {
    out += "null";
    return;
  }
  if (d == static_cast<double>(item.number_int)) {
    std::snprintf(buffer, sizeof(buffer), "%d", item.number_int);
  } else {
    // 15 significant digits when they read back as the same double, else 17 (cJSON 1.7).
    std::snprintf(buffer, sizeof(buffer), "%1.15g", d);
    double test = 0.0;
    if (std::sscanf(buffer, "%lg", &test) != 1 || !compare_double(test, d)) {
      std::snprintf(buffer, sizeof(buffer), "%1.17g", d);
    }
  }
  out += buffer;
}

void print_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 32) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", c);
          out += escape;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void print_value(const Item& item, bool formatted, std::size_t& depth, std::string& out) {
  switch (item.type) {
    case Type::kNull:
      out += "null";
      return;
    case Type::kFalse:
      out += "false";
      return;
    case Type::kTrue:
      out += "true";
      return;
    case Type::kNumber:
      print_number(item, out);
      return;
    case Type::kString:
      print_string(item.text, out);
      return;
    case Type::kArray: {
      out.push_back('[');
      ++depth;
      for (std::size_t i = 0; i < item.children.size(); ++i) {
        print_value(item.children[i], formatted, depth, out);
        if (i + 1 < item.children.size()) out += formatted ? ", " : ",";
      }
      out.push_back(']');
      --depth;
      return;
    }
    case Type::kObject: {
      out.push_back('{');
      ++depth;
      if (formatted) out.push_back('\n');
      for (std::size_t i = 0; i < item.children.size(); ++i) {
        if (formatted) out.append(depth, '\t');
        print_string(item.children[i].key, out);
        out.push_back(':');
        if (formatted) out.push_back('\t');
        print_value(item.children[i], formatted, depth, out);
        if (i + 1 < item.children.size()) out.push_back(',');
        if (formatted) out.push_back('\n');
      }
      if (formatted) out.append(depth - 1, '\t');
      out.push_back('}');
      --depth;
      return;
    }
  }
}

}  // namespace

std::string print(const Item& item, bool formatted) {
  std::string out;
  std::size_t depth = 0;
  print_value(item, formatted, depth, out);
  return out;
}

}  // namespace wazuh::cjson
